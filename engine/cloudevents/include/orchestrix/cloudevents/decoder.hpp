// orchestrix/cloudevents/decoder.hpp — CloudEvents 1.0 structured-mode JSON in (simdjson).
//
// A Decoder parses one event (a JSON object), a batch (a JSON array of events,
// application/cloudevents-batch+json) or JSON lines (one event per line; blank lines are
// skipped) into CloudEvent values. Every event is checked in full before any is returned: a
// non-conforming event throws FormatError (errors.hpp) and the call returns nothing, so a batch
// is all or nothing.
//
// What is checked: specversion "1.0"; id, source and type present, strings and non-empty;
// subject, datacontenttype, dataschema strings and non-empty when present; source a
// URI-reference and dataschema a URI (RFC 3986 characters, dataschema with a scheme); time an
// RFC 3339 date-time in 1678..2262 (seconds 00-59, no leap second); extension names a-z0-9 and
// values strings, booleans or integers of 32 bits; data any valid JSON value; data_base64 padded
// standard base64; no member twice; not both data and data_base64. A member whose value is
// null counts as absent (the JSON format's rule).
//
// Lifetime and ownership: the decoder copies the input into a padded buffer of its own (what
// simdjson reads) and writes unescaped strings and decoded base64 into an arena of its own;
// every view of the returned events points into those two buffers. The views stay valid until
// the next decode call on the same decoder, or its destruction, whichever comes first (a call
// that throws also ends them). The caller's input may be reused as soon as a call returns.
//
// Memory: the decoder's state (about 300 bytes) and its buffers come from the memory_resource
// given at construction and are reused from call to call (capacity only grows): about 2x the
// input size, plus 192 bytes per event and 48 per extension attribute. simdjson's own parser
// buffers (about 6 bytes per input byte of the
// largest document, an event or a batch) come from the global operator new, once, and are kept.
//
// Thread safety: one decoder per thread; distinct decoders are independent.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <span>
#include <string_view>

#include "orchestrix/cloudevents/cloud_event.hpp"
#include "orchestrix/cloudevents/errors.hpp"

namespace orchestrix::cloudevents {

class Decoder {
 public:
  explicit Decoder(std::pmr::memory_resource* resource = std::pmr::get_default_resource());
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // One event: a JSON object, whitespace around it allowed.
  const CloudEvent& decode_event(std::string_view json);
  // A JSON array of events (possibly empty).
  std::span<const CloudEvent> decode_batch(std::string_view json);
  // One event per line ("\n" or "\r\n"; lines of only whitespace are skipped). A FormatError
  // names the 1-based line number.
  std::span<const CloudEvent> decode_lines(std::string_view text);

  // Bytes the decoder holds from its memory_resource (not simdjson's parser buffers).
  std::size_t bytes_held() const noexcept;

 private:
  struct Impl;
  Impl* impl_;  // allocated from the memory_resource
};

}  // namespace orchestrix::cloudevents
