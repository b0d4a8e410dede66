// CRC32C: the SSE4.2 instruction when present, Boost.CRC otherwise (crc32c.hpp).
#include <boost/crc.hpp>
#include <cstring>
#include <orchestrix/durable/crc32c.hpp>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace orchestrix::durable::crc32c {

std::uint32_t portable_extend(std::uint32_t crc, std::span<const std::byte> data) noexcept {
  // crc_optimal takes its initial remainder unreflected and reflects it itself: resuming from
  // `crc` starts it at the bit-reversal of crc ^ 0xFFFFFFFF.
  std::uint32_t state = crc ^ 0xFFFFFFFFU;
  std::uint32_t unreflected = 0;
  for (int bit = 0; bit < 32; ++bit) unreflected |= ((state >> bit) & 1U) << (31 - bit);
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> engine(unreflected);
  engine.process_bytes(data.data(), data.size());
  return engine.checksum();
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t hardware_extend(
    std::uint32_t crc, std::span<const std::byte> data) noexcept {
  std::uint64_t state = crc ^ 0xFFFFFFFFU;
  const std::byte* p = data.data();
  std::size_t n = data.size();
  while (n >= 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, 8);
    state = _mm_crc32_u64(state, word);
    p += 8;
    n -= 8;
  }
  auto state32 = static_cast<std::uint32_t>(state);
  while (n != 0) {
    state32 = _mm_crc32_u8(state32, static_cast<std::uint8_t>(*p));
    ++p;
    --n;
  }
  return state32 ^ 0xFFFFFFFFU;
}

bool has_hardware() noexcept {
  static const bool present = __builtin_cpu_supports("sse4.2") != 0;
  return present;
}
#else
std::uint32_t hardware_extend(std::uint32_t crc, std::span<const std::byte> data) noexcept {
  return portable_extend(crc, data);
}

bool has_hardware() noexcept { return false; }
#endif

std::uint32_t extend(std::uint32_t crc, std::span<const std::byte> data) noexcept {
  return has_hardware() ? hardware_extend(crc, data) : portable_extend(crc, data);
}

}  // namespace orchestrix::durable::crc32c
