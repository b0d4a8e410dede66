// Internal: LEB128 varints and zigzag, the length/delta encoding of the record format. The
// decoding halves (get_varint, unzigzag) are in orchestrix/detail/record_decode.hpp, which the
// inline read step needs.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "orchestrix/detail/record_decode.hpp"

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

constexpr std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

}  // namespace orchestrix::detail
