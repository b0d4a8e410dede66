// Internal: LEB128 varints and zigzag, the length/delta encoding of the record format.
// Decoding trusts its input: it only ever reads bytes the store itself encoded.
#pragma once

#include <cstddef>
#include <cstdint>

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

// Records hold mostly 1- and 2-byte varints (shape ids, lengths, time deltas of nanoseconds to
// microseconds): those two take straight-line code, longer ones the loop.
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

constexpr std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

constexpr std::int64_t unzigzag(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

}  // namespace orchestrix::detail
