// orchestrix/cloudevents/attribute_blob.hpp — a CloudEvent as the store's fields plus a compact
// "attribute blob" holding only what those fields do not keep.
//
// The store keeps type, source, content type, a 16-byte id, a nanosecond time and the data
// bytes of each event (orchestrix/event.hpp), and files it under a stream id. store_fields()
// maps a CloudEvent onto those; the attribute blob carries the rest, so that restore() gives
// back the same event attribute for attribute (same_event(), cloud_event.hpp):
//
//   id            a canonical lower-case UUID goes to the 16-byte id; any other id is kept as
//                 text in the blob (and the store's id is then whatever it assigns)
//   subject       nothing when it equals the stream id; otherwise the subject (or its absence)
//   time          a "no time" mark when absent; its TimeFormat when that is not
//                 canonical_time_format(time); nothing otherwise
//   dataschema    its text, when present
//   data          nothing for "data" (JSON text) or no data; a mark for "data_base64"
//   extensions    each name and value
//
// An event with a lower-case UUID id, subject equal to its stream, a canonical UTC time, JSON
// or no data, no dataschema and no extensions has an empty blob: zero bytes. The byte format is
// in docs/cloudevents.md ("Attribute blob").
//
// Errors: store_fields and the blob writers do not throw. restore() throws
// orchestrix::InvalidArgument on a blob that is not one this codec wrote.
// Thread safety: the free functions read their arguments only; a RestoredEvent is used by one
// thread at a time.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "orchestrix/cloudevents/cloud_event.hpp"
#include "orchestrix/timestamp.hpp"
#include "orchestrix/uuid.hpp"

namespace orchestrix::cloudevents {

// The store's fields of an event (orchestrix::EventData has the same members). Views point into
// the CloudEvent's memory.
struct StoreFields {
  std::string_view type;
  std::string_view source;
  std::string_view content_type;    // datacontenttype; empty when absent
  std::optional<Uuid> id;           // set only when the id is a canonical lower-case UUID
  std::optional<Timestamp> time;    // unset when the event has no time
  std::span<const std::byte> data;  // JSON text or decoded bytes; empty for no data
};

StoreFields store_fields(const CloudEvent& event) noexcept;

// The blob's size for `event` filed under `stream`: 0 when nothing is extra.
std::size_t attribute_blob_size(const CloudEvent& event, std::string_view stream) noexcept;
// Writes the blob into `out`, whose size must be attribute_blob_size(event, stream).
void write_attribute_blob(const CloudEvent& event, std::string_view stream,
                          std::span<std::byte> out) noexcept;

// What the store gives back for an event (orchestrix::EventView's fields).
struct StoredEvent {
  std::string_view stream;
  std::string_view type;
  std::string_view source;
  std::string_view content_type;
  Uuid id;
  Timestamp time;
  std::span<const std::byte> data;
};

// Rebuilds CloudEvents from stored fields and blobs. The returned event's views point into
// `stored`'s memory, the blob and this object (the id's text when it was a UUID, the extension
// list), and stay valid until the next restore() on this object or its destruction, as long as
// the memory `stored` and `blob` view lives. Memory: the extension list's capacity (48 bytes
// per extension of the largest event), from the given resource, kept and reused.
class RestoredEvent {
 public:
  explicit RestoredEvent(std::pmr::memory_resource* resource = std::pmr::get_default_resource());
  RestoredEvent(const RestoredEvent&) = delete;
  RestoredEvent& operator=(const RestoredEvent&) = delete;

  const CloudEvent& restore(const StoredEvent& stored, std::span<const std::byte> blob);

 private:
  CloudEvent event_;
  char id_text_[36] = {};
  std::pmr::vector<Extension> extensions_;
};

}  // namespace orchestrix::cloudevents
