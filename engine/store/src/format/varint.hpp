// Internal: LEB128 varints and zigzag, the length/delta encoding of the record format. The
// decoding halves (get_varint, unzigzag) are in orchestrix/detail/record_decode.hpp, which the
// inline read step needs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "orchestrix/detail/record_decode.hpp"

namespace orchestrix::detail {

constexpr std::size_t varint_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline std::byte* put_varint(std::byte* p, std::uint64_t v) noexcept {
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
