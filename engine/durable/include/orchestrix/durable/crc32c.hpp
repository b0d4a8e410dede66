// orchestrix/durable/crc32c.hpp — CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected, initial
// value and final XOR 0xFFFFFFFF: the iSCSI CRC of RFC 3720), the checksum of every byte the
// durable file layer writes.
//
// extend() uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run time) and
// Boost.CRC's table-driven crc_optimal otherwise; both give identical results (tested).
// mask()/unmask(): a stored CRC is masked as LevelDB does, so that the CRC of bytes that
// themselves contain CRCs (a frame stored inside a payload) does not degenerate.
// All functions are pure, thread-safe and never allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace orchestrix::durable::crc32c {

// The CRC of `data` appended to bytes whose CRC is `crc` (extend(0, x) is the CRC of x).
std::uint32_t extend(std::uint32_t crc, std::span<const std::byte> data) noexcept;
inline std::uint32_t value(std::span<const std::byte> data) noexcept { return extend(0, data); }

// The two implementations extend() chooses between, for the tests. hardware_extend() must only be
// called when has_hardware() is true.
std::uint32_t portable_extend(std::uint32_t crc, std::span<const std::byte> data) noexcept;
std::uint32_t hardware_extend(std::uint32_t crc, std::span<const std::byte> data) noexcept;
bool has_hardware() noexcept;

inline constexpr std::uint32_t kMaskDelta = 0xa282ead8U;

// Rotate right by 15 bits and add a constant (LevelDB's crc32c::Mask).
constexpr std::uint32_t mask(std::uint32_t crc) noexcept {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
constexpr std::uint32_t unmask(std::uint32_t masked) noexcept {
  const std::uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace orchestrix::durable::crc32c
