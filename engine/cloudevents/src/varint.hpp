// LEB128 varints for the attribute blob: 7 bits a byte, least significant group first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace orchestrix::cloudevents::detail {

constexpr std::size_t varint_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes v at out[pos...]; returns the position after it. The caller sized `out`.
inline std::size_t put_varint(std::span<std::byte> out, std::size_t pos, std::uint64_t v) noexcept {
  while (v >= 0x80) {
    out[pos++] = static_cast<std::byte>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out[pos++] = static_cast<std::byte>(v);
  return pos;
}

// Reads a varint at in[pos...] into v and advances pos; false when truncated or over 64 bits.
inline bool get_varint(std::span<const std::byte> in, std::size_t& pos, std::uint64_t& v) noexcept {
  v = 0;
  for (unsigned shift = 0; shift < 64 && pos < in.size(); shift += 7) {
    const auto b = static_cast<std::uint8_t>(in[pos++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

constexpr std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
constexpr std::int64_t unzigzag(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

}  // namespace orchestrix::cloudevents::detail
