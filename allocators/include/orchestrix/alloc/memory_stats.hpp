// orchestrix/alloc/memory_stats.hpp — the one shape of allocation statistics.
//
// MemoryStats is what a counting layer (InstrumentedResource) reports: how many allocate and
// deallocate calls went through it, how many bytes were requested and given back, how many are
// live now, the highest live figure seen, and how the allocations spread over size classes.
//
// One field list, ORCHESTRIX_ALLOC_STATS_FIELDS(X), drives the struct, its printer
// (to_string), its JSON form (to_json) and every generic consumer (for_each_field, e.g. the
// Google Benchmark counters), so adding a statistic is one line here.
//
// Units: every field counts either calls or bytes, and its name says which ("bytes_..." are
// bytes as requested by the caller, not the allocator's rounded-up block size).
//
// Thread safety: MemoryStats is a plain value; copies may be read from any thread.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

namespace orchestrix::alloc {

// X(name, description): every scalar field of MemoryStats, in printing order. All are uint64.
#define ORCHESTRIX_ALLOC_STATS_FIELDS(X)                                                      \
  X(allocations, "successful allocate calls")                                                 \
  X(failed_allocations, "allocate calls whose upstream threw (nothing was counted for them)") \
  X(deallocations, "deallocate calls")                                                        \
  X(bytes_requested, "bytes asked for by successful allocate calls, cumulative")              \
  X(bytes_deallocated, "bytes given back by deallocate calls, cumulative")                    \
  X(bytes_live, "bytes_requested - bytes_deallocated: held by callers right now")             \
  X(peak_bytes_live, "highest bytes_live since construction or reset_peak() (see its resource)")

// Allocation counts by power-of-two size class. Class 0 holds requests of 0 or 1 byte; class i
// (1 <= i < kCount - 1) holds sizes in (2^(i-1), 2^i]; the last class holds everything above
// 2^(kCount - 2) bytes (1 GiB).
struct SizeClassHistogram {
  static constexpr std::size_t kCount = 32;

  // The class of a request of `bytes` bytes. Constant time, no branches beyond a clamp.
  static constexpr std::size_t class_of(std::size_t bytes) noexcept {
    if (bytes <= 1) return 0;
    const auto width = static_cast<std::size_t>(std::bit_width(bytes - 1));
    return width < kCount - 1 ? width : kCount - 1;
  }
  // The largest size that falls into class `index` (the last class reports SIZE_MAX).
  static constexpr std::size_t max_bytes_of(std::size_t index) noexcept {
    return index + 1 >= kCount ? SIZE_MAX : (std::size_t{1} << index);
  }

  // allocations[i] = successful allocate calls whose size fell into class i.
  std::array<std::uint64_t, kCount> allocations{};
};

struct MemoryStats {
#define ORCHESTRIX_ALLOC_STATS_DECLARE_(name, description) std::uint64_t name = 0;
  ORCHESTRIX_ALLOC_STATS_FIELDS(ORCHESTRIX_ALLOC_STATS_DECLARE_)
#undef ORCHESTRIX_ALLOC_STATS_DECLARE_

  // Kept beside the scalar fields; sums to `allocations`.
  SizeClassHistogram size_classes;
};

// Calls f(name, value) for every scalar field, in ORCHESTRIX_ALLOC_STATS_FIELDS order. `name` is
// a const char* with static storage duration; `value` a std::uint64_t.
template <typename F>
void for_each_field(const MemoryStats& stats, F&& f) {
#define ORCHESTRIX_ALLOC_STATS_VISIT_(name, description) f(#name, stats.name);
  ORCHESTRIX_ALLOC_STATS_FIELDS(ORCHESTRIX_ALLOC_STATS_VISIT_)
#undef ORCHESTRIX_ALLOC_STATS_VISIT_
}

// Human-readable, one "name: value" line per field, then the non-empty size classes as
// "  <= 64 B: 12" lines. Allocates (it returns a std::string).
std::string to_string(const MemoryStats& stats);

// A compact JSON object: every scalar field as a number, plus "size_classes": an array of
// {"max_bytes": N, "allocations": M} for the non-empty classes (the last class prints
// "max_bytes": null). Allocates.
std::string to_json(const MemoryStats& stats);

}  // namespace orchestrix::alloc
