// orchestrix/cloudevents/cloud_event.hpp — one CloudEvents 1.0 event as a borrowed value.
//
// A CloudEvent holds every attribute of an event and its data, as views. It owns nothing: its
// string and byte views point into whatever produced it (a Decoder, see decoder.hpp; a
// RestoredEvent, see attribute_blob.hpp; or the caller's own buffers when the caller fills one
// in) and are valid as long as that memory is. Copying a CloudEvent copies the views only.
//
// Thread safety: a plain value; any number of threads may read one at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "orchestrix/timestamp.hpp"

namespace orchestrix::cloudevents {

// The CloudEvents type of an extension attribute's value, as the JSON format carries it:
// a JSON string, a JSON number with an integer component only (32-bit, as the spec's Integer),
// or a JSON boolean. String-typed values (URI, Timestamp, Binary, ...) are kept as their text.
enum class ExtensionType : std::uint8_t { kString, kInteger, kBoolean };

// One extension attribute. The name is 1+ characters of a-z and 0-9 (the spec's rule; the
// recommended limit of 20 characters is not enforced). Only the member named by `type` is
// meaningful.
struct Extension {
  std::string_view name;
  ExtensionType type = ExtensionType::kString;
  std::string_view string;
  std::int32_t integer = 0;
  bool boolean = false;

  friend bool operator==(const Extension&, const Extension&) = default;
};

// How a "time" attribute was written, so that writing the event back reproduces its text.
// RFC 3339 allows any number of fraction digits and any UTC offset; the instant itself is the
// CloudEvent's `time` (nanoseconds since the epoch, UTC).
enum class UtcOffset : std::uint8_t {
  kZulu,   // "Z" (a lower-case "z" in the input is written back as "Z")
  kPlus,   // "+hh:mm"
  kMinus,  // "-hh:mm" (including "-00:00", RFC 3339's "offset unknown")
};

struct TimeFormat {
  // Digits after the seconds' decimal point; 0 writes no fraction. Digits beyond the 9th (finer
  // than a nanosecond) are the text in `sub_nanosecond_digits`, kept as written.
  std::uint8_t fraction_digits = 0;
  UtcOffset offset = UtcOffset::kZulu;
  std::uint16_t offset_minutes = 0;  // 0..1439, with kPlus / kMinus
  std::string_view sub_nanosecond_digits;

  friend bool operator==(const TimeFormat&, const TimeFormat&) = default;
};

// The default form of a time: UTC ("Z") with the fewest of 0, 3, 6 or 9 fraction digits that
// represent the instant exactly. Times written this way cost nothing in an attribute blob.
TimeFormat canonical_time_format(Timestamp time) noexcept;

// Where the event's data came from (the JSON format's two members).
enum class DataKind : std::uint8_t {
  kNone,    // neither "data" nor "data_base64"
  kJson,    // "data": `data` is the member's JSON text, byte for byte as it came (a JSON string
            // keeps its quotes and escapes; "null" is an explicit null payload)
  kBinary,  // "data_base64": `data` is the decoded bytes
};

struct CloudEvent {
  // Required attributes (non-empty). "specversion" is always "1.0" and is not stored.
  std::string_view id;
  std::string_view source;  // URI-reference
  std::string_view type;
  // Optional attributes: empty means absent (a present value is never empty).
  std::string_view subject;
  std::string_view datacontenttype;
  std::string_view dataschema;  // URI
  std::optional<Timestamp> time;
  TimeFormat time_format;  // meaningful when `time` is set
  DataKind data_kind = DataKind::kNone;
  std::span<const std::byte> data;
  std::span<const Extension> extensions;  // in the order they came
};

// Attribute-by-attribute equality (views compared by content, extensions in order).
bool same_event(const CloudEvent& a, const CloudEvent& b) noexcept;

}  // namespace orchestrix::cloudevents
