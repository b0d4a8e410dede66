// Internal: LEB128 varints and zigzag, the length/delta encoding of the record format.
// Decoding trusts its input: it only ever reads bytes the store itself encoded.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace orchestrix::detail {

// Bytes put_varint() writes for v: 1..10 (7 payload bits per byte), without a loop.
constexpr std::size_t varint_size(std::uint64_t v) noexcept {
  if (v < 0x80) return 1;
  return (static_cast<std::size_t>(std::bit_width(v | 1)) + 6) / 7;
}

inline std::byte* put_varint(std::byte* p, std::uint64_t v) noexcept {
  if (v < 0x80) {  // the common case: shape ids, small deltas and lengths
    *p = static_cast<std::byte>(v);
    return p + 1;
  }
  while (v >= 0x80) {
    *p++ = static_cast<std::byte>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<std::byte>(v);
  return p;
}

inline const std::byte* get_varint(const std::byte* p, std::uint64_t& out) noexcept {
  std::uint64_t v = 0;
  int shift = 0;
  for (;;) {
    const auto b = static_cast<std::uint64_t>(*p++);
    v |= (b & 0x7F) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  out = v;
  return p;
}

constexpr std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

constexpr std::int64_t unzigzag(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

}  // namespace orchestrix::detail
