// orchestrix/detail/splitmix64.hpp — the splitmix64 step (Steele, Lea and Flood, "Fast
// splittable pseudorandom number generators", 2014), for the library's own use: the per-thread
// generator behind Uuid::v4()/v7() and the deterministic workload generators.
//
// Not a public API: it may change without notice. Not cryptographic. Pure function of `state`:
// no allocation, no shared state; each caller owns its state word.
#pragma once

#include <cstdint>

namespace orchestrix::detail {

// Advances `state` by the golden-ratio increment and returns the mixed 64-bit output. A state
// seeded with any value yields a full-period (2^64) sequence.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace orchestrix::detail
