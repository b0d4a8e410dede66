// orchestrix/event.hpp — what callers append (EventData) and what they read back (EventView).
//
// EventData is a borrowed description of one event: append() copies every byte it references
// into the store's compact record form, so the caller's buffers may be reused as soon as append()
// returns. EventView is the decoded form of a stored record: its string and byte views point
// into the store's memory (segments and the intern table) and are valid only as long as the
// read result (EventRange / AllEventsRange) that produced the view is alive — see
// event_store.hpp, "View lifetime". Copy what you need to keep longer.
//
// Thread safety: both are plain values; a view may be read from any thread while its range
// lives.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

#include "orchestrix/timestamp.hpp"
#include "orchestrix/uuid.hpp"

namespace orchestrix {

// A global log position: the index of an event in the store's global append order, starting at
// 0 for the first event ever appended. Positions are dense (no gaps), never reused, and stay the
// same when compaction moves records. Position{} (0) means "from the beginning".
struct Position {
  std::uint64_t value = 0;

  friend constexpr bool operator==(Position, Position) noexcept = default;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=>.
  friend constexpr auto operator<=>(Position, Position) noexcept = default;
};

// One event to append. Field names follow CloudEvents; stream id ("subject") and version are
// not part of the event, the store assigns them.
//
// Limits (checked by append(), which throws InvalidArgument and changes nothing on violation):
//   type          1..255 bytes (required)
//   source        0..1024 bytes
//   content_type  0..255 bytes
//   data          0..StoreOptions::max_payload_bytes (default 1 MiB)
//   attributes    0..65,536 bytes
// The type, source and content type are interned: an event costs one small integer for all
// three, whatever their length. At most 65,536 distinct (type, source, content_type)
// combinations per store.
struct EventData {
  std::string_view type;
  std::span<const std::byte> data;
  // CloudEvents "id". Generated (UUIDv7) when absent. Idempotent retry (see EventStore::append)
  // only applies to batches in which every event carries an id.
  std::optional<Uuid> id;
  std::string_view source;
  // Nanoseconds since the Unix epoch; Timestamp::now() when absent (one clock read per batch).
  std::optional<Timestamp> time;
  std::string_view content_type;
  std::optional<Uuid> correlation_id;
  std::optional<Uuid> causation_id;
  // Opaque bytes kept with the event and returned as they came (EventView::attributes()): what
  // the fields above cannot carry, such as the extra attributes of a CloudEvent
  // (orchestrix/cloudevents/attribute_blob.hpp). Empty: nothing is stored for it (a flag bit
  // the record has anyway). Otherwise the record holds the bytes plus their length as a varint
  // (1 byte up to 127, 2 up to 16,383, 3 above). Like the data, they are not compared by an
  // idempotent retry, which recognises a stored batch by its ids alone.
  std::span<const std::byte> attributes{};
};

namespace detail {
// The id a default-constructed EventView reports (all zero).
inline constexpr std::byte kNilUuidBytes[16]{};

inline Uuid load_uuid(const std::byte* p) noexcept {
  std::array<std::uint8_t, 16> b{};
  std::memcpy(b.data(), p, b.size());
  return Uuid{b};
}

// The bytes after a LEB128 length at `p` (the record's attributes field).
inline std::span<const std::byte> load_length_prefixed(const std::byte* p) noexcept {
  std::size_t n = 0;
  int shift = 0;
  for (;;) {
    const auto b = static_cast<std::size_t>(*p++);
    n |= (b & 0x7F) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  return {p, n};
}
}  // namespace detail

// A stored event, decoded. Cheap to copy (no allocation, 136 bytes); every view member points
// into store memory (see the lifetime rule above). data() and attributes() are the bytes
// exactly as appended. The ids and the attributes are kept as pointers to the record's bytes
// and read by their accessors, so decoding a record fills a few words whichever optional fields
// it carries.
// A default-constructed view is empty (all fields zero/empty, a nil id) and refers to nothing.
class EventView {
 public:
  EventView() = default;

  // The stream id ("subject"); the same characters for every event of the stream.
  std::string_view stream() const noexcept { return stream_; }
  // 0-based version of the event in its stream.
  std::uint64_t version() const noexcept { return version_; }
  // Global position (commit order over all streams); unchanged by compaction.
  Position position() const noexcept { return position_; }
  // CloudEvents "id": as appended, or the UUIDv7 the store generated.
  Uuid id() const noexcept { return detail::load_uuid(id_); }
  std::string_view type() const noexcept { return type_; }
  std::string_view source() const noexcept { return source_; }
  std::string_view content_type() const noexcept { return content_type_; }
  // As appended, or the time of the append when the event had none (nanoseconds, exact).
  Timestamp time() const noexcept { return time_; }
  std::span<const std::byte> data() const noexcept { return data_; }
  // EventData::attributes as appended; empty when the event had none. Same lifetime as data().
  std::span<const std::byte> attributes() const noexcept {
    if (attributes_ == nullptr) return {};
    return detail::load_length_prefixed(attributes_);
  }
  // Absent unless the appended event carried them.
  std::optional<Uuid> correlation_id() const noexcept {
    if (correlation_ == nullptr) return std::nullopt;
    return detail::load_uuid(correlation_);
  }
  std::optional<Uuid> causation_id() const noexcept {
    if (causation_ == nullptr) return std::nullopt;
    return detail::load_uuid(causation_);
  }

 private:
  friend class EventViewBuilder;  // internal: fills the fields while decoding a record

  std::string_view stream_;
  std::string_view type_;
  std::string_view source_;
  std::string_view content_type_;
  std::span<const std::byte> data_;
  std::uint64_t version_ = 0;
  Position position_;
  Timestamp time_;
  const std::byte* id_ = detail::kNilUuidBytes;  // 16 bytes
  const std::byte* correlation_ = nullptr;       // 16 bytes, or nullptr when absent
  const std::byte* causation_ = nullptr;         // 16 bytes, or nullptr when absent
  const std::byte* attributes_ = nullptr;        // varint length + bytes, or nullptr when absent
};

}  // namespace orchestrix
