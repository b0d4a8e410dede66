// Internal: the byte format of runs and records (docs/architecture.md, "Record format").
//
// Run header (one per <= 64 consecutive events of one stream, inside one segment):
//   u8      tag 0xA5
//   8 bytes StreamState* of the stream (host order; streams are never freed while the store lives)
//   varint  first_version
//   varint  first_position
//   varint  count (1..64)
//   varint  zigzag(base_time): nanoseconds since the Unix epoch of the run's first record
//   u32     records_bytes: bytes of the records that follow (lets scans skip a whole run)
// Record:
//   varint  head = shape_id << 3 | has_attributes << 2 | has_correlation << 1 | has_causation
//   varint  zigzag(time_delta(time, time of the previous record in the run)); 0 for the first
//   16      id (raw UUID bytes)
//   16      correlation id, if has_correlation
//   16      causation id, if has_causation
//   varint  attributes length (1..kMaxAttributeBytes), then the attribute bytes, if has_attributes
//   varint  data length, then the data bytes
// shape_id names the interned (type, source, content type) triple (InternTable).
// Time deltas are differences modulo 2^64 (time_delta below; add_time_delta, RecordFields and
// decode_record are in orchestrix/detail/record_decode.hpp, where the inline read step sees them).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "format/varint.hpp"
#include "orchestrix/uuid.hpp"

namespace orchestrix::detail {

struct StreamState;

constexpr std::byte kRunTag{0xA5};
constexpr std::uint32_t kMaxRunRecords = 64;
// The most bytes EventData::attributes may hold (append() rejects more with InvalidArgument).
constexpr std::size_t kMaxAttributeBytes = 65'536;

struct RunHeader {
  const StreamState* stream = nullptr;
  std::uint64_t first_version = 0;
  std::uint64_t first_position = 0;
  std::uint32_t count = 0;
  std::int64_t base_time = 0;
  std::uint32_t records_bytes = 0;
};

inline std::size_t run_header_size(const RunHeader& h) noexcept {
  return 1 + sizeof(void*) + varint_size(h.first_version) + varint_size(h.first_position) +
         varint_size(h.count) + varint_size(zigzag(h.base_time)) + 4;
}

inline std::byte* encode_run_header(std::byte* p, const RunHeader& h) noexcept {
  *p++ = kRunTag;
  std::memcpy(p, &h.stream, sizeof(void*));
  p += sizeof(void*);
  p = put_varint(p, h.first_version);
  p = put_varint(p, h.first_position);
  p = put_varint(p, h.count);
  p = put_varint(p, zigzag(h.base_time));
  std::memcpy(p, &h.records_bytes, 4);
  return p + 4;
}

inline const std::byte* decode_run_header(const std::byte* p, RunHeader& h) noexcept {
  ++p;  // tag
  std::memcpy(&h.stream, p, sizeof(void*));
  p += sizeof(void*);
  std::uint64_t v = 0;
  p = get_varint(p, h.first_version);
  p = get_varint(p, h.first_position);
  p = get_varint(p, v);
  h.count = static_cast<std::uint32_t>(v);
  p = get_varint(p, v);
  h.base_time = unzigzag(v);
  std::memcpy(&h.records_bytes, p, 4);
  return p + 4;
}

// The delta stored for `time` after `previous`: their difference modulo 2^64, as an int64. Any
// two valid times have one, even times further apart than INT64_MAX nanoseconds (1700 and
// 2200), where the plain difference would overflow. When the difference fits an int64 (every
// ordinary record) it is exactly that difference, so the zigzag varint is as short as before.
constexpr std::int64_t time_delta(std::int64_t time, std::int64_t previous) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(time) -
                                   static_cast<std::uint64_t>(previous));
}

// Fields of one record to encode.
struct RecordInput {
  std::uint32_t shape = 0;
  std::int64_t time_delta = 0;
  const Uuid* id = nullptr;
  const Uuid* correlation = nullptr;  // nullptr: absent
  const Uuid* causation = nullptr;
  std::span<const std::byte> attributes;  // empty: absent (no bytes, flag clear)
  std::span<const std::byte> data;
};

// Bytes of a record's attributes: nothing when empty, else their varint length and the bytes.
// Most events have none: that case is one test and branch, not a varint size computed and
// discarded.
inline std::size_t attributes_size(std::size_t attribute_bytes) noexcept {
  if (attribute_bytes == 0) [[likely]] {
    return 0;
  }
  return varint_size(attribute_bytes) + attribute_bytes;
}

// Bytes of a record except its time delta: what does not depend on the record's place in a
// run. The head's flag bits never change its varint size (shape_id << 3 | 7 < 0x80 exactly when
// shape_id << 3 < 0x80, and so on for every length), so the flags are not needed: shape ids
// 0..15 take one byte, 16..2047 two.
inline std::size_t record_size_without_delta(std::uint32_t shape, bool has_correlation,
                                             bool has_causation, std::size_t data_bytes,
                                             std::size_t attribute_bytes = 0) noexcept {
  return varint_size(std::uint64_t{shape} << 3) + 16 + (has_correlation ? 16 : 0) +
         (has_causation ? 16 : 0) + attributes_size(attribute_bytes) + varint_size(data_bytes) +
         data_bytes;
}

// Bytes of a record's time delta: 1 for the first record of a run (delta 0).
inline std::size_t time_delta_size(std::int64_t delta) noexcept {
  return varint_size(zigzag(delta));
}

inline std::size_t record_size(const RecordInput& r) noexcept {
  return record_size_without_delta(r.shape, r.correlation != nullptr, r.causation != nullptr,
                                   r.data.size(), r.attributes.size()) +
         time_delta_size(r.time_delta);
}

inline std::byte* encode_record(std::byte* p, const RecordInput& r) noexcept {
  const std::uint64_t head = (std::uint64_t{r.shape} << 3) | (r.attributes.empty() ? 0u : 4u) |
                             (r.correlation ? 2u : 0u) | (r.causation ? 1u : 0u);
  p = put_varint(p, head);
  p = put_varint(p, zigzag(r.time_delta));
  std::memcpy(p, r.id->bytes().data(), 16);
  p += 16;
  if (r.correlation) {
    std::memcpy(p, r.correlation->bytes().data(), 16);
    p += 16;
  }
  if (r.causation) {
    std::memcpy(p, r.causation->bytes().data(), 16);
    p += 16;
  }
  if (!r.attributes.empty()) [[unlikely]] {
    p = put_varint(p, r.attributes.size());
    std::memcpy(p, r.attributes.data(), r.attributes.size());
    p += r.attributes.size();
  }
  p = put_varint(p, r.data.size());
  if (!r.data.empty()) std::memcpy(p, r.data.data(), r.data.size());
  return p + r.data.size();
}

// The attribute bytes of a decoded record (empty when it has none): what re-encoding the record
// (compaction's copy of a run's first live record) passes on as RecordInput::attributes.
inline std::span<const std::byte> attributes_of(const RecordFields& f) noexcept {
  if (f.attributes == nullptr) return {};
  return load_length_prefixed(f.attributes);
}

inline Uuid uuid_from(const std::byte* p) noexcept {
  std::array<std::uint8_t, 16> b{};
  std::memcpy(b.data(), p, 16);
  return Uuid{b};
}

}  // namespace orchestrix::detail
