// orchestrix/detail/record_decode.hpp — internal: decoding the store's records.
//
// Not part of the API. It is in a public header only because the per-event step of a stream
// read (EventRange::iterator::operator++) is inline, so the decoder must be visible where the
// loop is compiled. The byte format is described in docs/architecture.md, "Record format", and
// encoded by the store (engine/store/src/format/record_codec.hpp). Decoding trusts its input:
// it only ever reads bytes the store itself encoded and published.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "orchestrix/event.hpp"

namespace orchestrix::detail {

// LEB128. Records hold mostly 1- and 2-byte varints (shape ids, lengths, time deltas of
// nanoseconds to microseconds): those two take straight-line code, longer ones the loop.
inline const std::byte* get_varint(const std::byte* p, std::uint64_t& out) noexcept {
  const auto b0 = static_cast<std::uint64_t>(p[0]);
  if (b0 < 0x80) [[likely]] {
    out = b0;
    return p + 1;
  }
  const auto b1 = static_cast<std::uint64_t>(p[1]);
  std::uint64_t v = (b0 & 0x7F) | ((b1 & 0x7F) << 7);
  if (b1 < 0x80) [[likely]] {
    out = v;
    return p + 2;
  }
  p += 2;
  int shift = 14;
  for (;;) {
    const auto b = static_cast<std::uint64_t>(*p++);
    v |= (b & 0x7F) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  out = v;
  return p;
}

constexpr std::int64_t unzigzag(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// The time a delta was taken from: add_time_delta(p, time_delta(t, p)) == t for all t, p
// (time_delta, the encoding side, is in record_codec.hpp): sums modulo 2^64.
constexpr std::int64_t add_time_delta(std::int64_t previous, std::int64_t delta) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(previous) +
                                   static_cast<std::uint64_t>(delta));
}

// A record decoded in place (pointers into the segment).
struct RecordFields {
  std::uint32_t shape = 0;
  std::int64_t time_delta = 0;
  const std::byte* id = nullptr;
  const std::byte* correlation = nullptr;
  const std::byte* causation = nullptr;
  const std::byte* attributes = nullptr;  // the attributes' varint length, or nullptr: absent
  std::span<const std::byte> data;
};

// Record: varint head = shape_id << 3 | has_attributes << 2 | has_correlation << 1 |
// has_causation; varint zigzag(time delta); 16-byte id; 16-byte correlation id if flagged;
// 16-byte causation id if flagged; varint attributes length and the attribute bytes if flagged;
// varint data length; the data bytes. Returns the end of the record.
inline const std::byte* decode_record(const std::byte* p, RecordFields& f) noexcept {
  std::uint64_t head = 0;
  std::uint64_t v = 0;
  p = get_varint(p, head);
  f.shape = static_cast<std::uint32_t>(head >> 3);
  p = get_varint(p, v);
  f.time_delta = unzigzag(v);
  f.id = p;
  p += 16;
  f.correlation = (head & 2) ? p : nullptr;
  p += (head & 2) ? 16 : 0;
  f.causation = (head & 1) ? p : nullptr;
  p += (head & 1) ? 16 : 0;
  f.attributes = nullptr;
  if (head & 4) {
    f.attributes = p;
    p = get_varint(p, v);
    p += v;
  }
  p = get_varint(p, v);
  f.data = std::span<const std::byte>(p, static_cast<std::size_t>(v));
  return p + v;
}

}  // namespace orchestrix::detail

namespace orchestrix {

// Fills EventView's private fields (friend of EventView) while decoding.
class EventViewBuilder {
 public:
  // Everything a record holds but the shape's names and the stream.
  static void set(EventView& v, std::uint64_t version, std::uint64_t position, std::int64_t time,
                  const detail::RecordFields& f) noexcept {
    v.version_ = version;
    v.position_ = Position{position};
    v.time_ = Timestamp{time};
    v.id_ = f.id;
    v.correlation_ = f.correlation;
    v.causation_ = f.causation;
    v.attributes_ = f.attributes;
    v.data_ = f.data;
  }
  static void set_shape(EventView& v, std::string_view type, std::string_view source,
                        std::string_view content_type) noexcept {
    v.type_ = type;
    v.source_ = source;
    v.content_type_ = content_type;
  }
  static void set_stream(EventView& v, std::string_view stream) noexcept { v.stream_ = stream; }
};

}  // namespace orchestrix
