// orchestrix/cloudevents_store/importer.hpp — CloudEvents JSON into an EventStore.
//
// An Importer decodes CloudEvents 1.0 structured-mode JSON (one event, a batch array, or JSON
// lines; orchestrix/cloudevents/decoder.hpp) and appends the events to the store a call names: each
// event's store fields (orchestrix/cloudevents/attribute_blob.hpp, store_fields()) plus, in
// EventData::attributes, the attribute blob holding what those fields do not keep, so that an
// Exporter (exporter.hpp) gives every attribute back.
//
// Stream: by default an event goes to the stream named by its `subject`; with
// ImportOptions::stream, to the stream that function names (the subject is then kept in the blob
// when it differs, or marked absent). An event with no subject and no function is an error.
//
// Errors and atomicity: everything is checked before anything is appended. A malformed or
// non-conforming event throws cloudevents::FormatError (errors.hpp) naming the attribute, the
// event's index and, for JSON lines, its line. So do the store's limits, checked here first:
// `type` over 255 bytes, `source` over 1024, `datacontenttype` over 255, a stream id empty or
// over 1024 bytes (attribute "subject", or empty when the stream function named it), data over
// ImportOptions::max_payload_bytes ("data" / "data_base64") and an attribute blob over 65,536
// bytes (its largest attribute is named). A rejected input appends nothing.
// A valid input is appended one stream at a time, in the order of each stream's first event,
// with ExpectedVersion::any(): one append (atomic, EventStore::append) per stream holding that
// stream's events in input order. The events of one stream are therefore all or nothing; the
// order of events of different streams in the global log is the order of the streams, not the
// input's. An append can still fail for want of memory (BudgetExceeded, std::bad_alloc): the
// exception propagates unchanged, the streams before the failing one are stored in full and the
// others not at all (streams_appended() says how many were stored). An event whose id is a
// lower-case UUID keeps it as the store's id, so retrying the same input is an idempotent retry
// (EventStore::append) for each stored stream whose events all have such ids; other ids are kept
// as text while the store assigns a fresh UUID, so a retry appends those streams again.
//
// Lifetime and memory: the importer holds a Decoder and its staging arrays (EventData per event,
// the blobs, the stream grouping), all from the memory_resource given at construction and reused
// from call to call (capacity only grows): the decoder's ~2x the input and 192 bytes per event,
// plus 188 bytes per event of staging (64-bit) and the blob bytes. simdjson's parser buffers
// come from the global operator new (decoder.hpp). The store copies what it keeps; nothing the
// importer holds is referenced after a call returns.
//
// Thread safety: one importer per thread (it may feed any number of stores, one call at a time);
// several importers may feed one store at once (the store's append is thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory_resource>
#include <string_view>

#include "orchestrix/cloudevents/cloud_event.hpp"
#include "orchestrix/cloudevents/errors.hpp"
#include "orchestrix/event_store.hpp"

namespace orchestrix::cloudevents {

// Names the stream of an event. The returned characters must stay valid until the import call
// returns (a view into the event, or into memory of the caller's).
using StreamFunction = std::function<std::string_view(const CloudEvent&)>;

struct ImportOptions {
  // Empty: the stream is the event's subject.
  StreamFunction stream{};
  // The store's StoreOptions::max_payload_bytes (the default is the store's default): larger data
  // is rejected before anything is appended.
  std::size_t max_payload_bytes = StoreOptions{}.max_payload_bytes;
};

struct ImportResult {
  std::size_t events = 0;   // events in the input
  std::size_t streams = 0;  // distinct streams they went to (= appends made)
  std::size_t written = 0;  // events the store wrote (less when a stream was an idempotent retry)
  std::uint64_t json_bytes = 0;  // bytes of input
  std::uint64_t blob_bytes = 0;  // attribute blob bytes stored with the events
};

class Importer {
 public:
  explicit Importer(const ImportOptions& options = {},
                    std::pmr::memory_resource* resource = std::pmr::get_default_resource());
  ~Importer();
  Importer(const Importer&) = delete;
  Importer& operator=(const Importer&) = delete;

  // One event (a JSON object) into `store`.
  ImportResult import_event(EventStore& store, std::string_view json);
  // A JSON array of events (application/cloudevents-batch+json) into `store`.
  ImportResult import_batch(EventStore& store, std::string_view json);
  // One event per line (blank lines skipped) into `store`; errors name the 1-based line.
  ImportResult import_lines(EventStore& store, std::string_view text);

  // Streams fully appended by the last call (all of them when it returned; fewer when an append
  // threw, see "Errors and atomicity").
  std::size_t streams_appended() const noexcept;
  // Bytes the importer holds from its memory_resource: decoder and staging arrays (the nodes of
  // its stream map, ~40 bytes per distinct stream of the last call, are not counted).
  std::size_t bytes_held() const noexcept;

 private:
  struct Impl;
  Impl* impl_;  // allocated from the memory_resource
};

}  // namespace orchestrix::cloudevents
