// memtests/seed_budget_checks.hpp — the `seed` budget checks, shared by the test binary for
// system/arena/pool (seed_budget_test.cpp) and the mimalloc binary (mimalloc_budget_test.cpp,
// its own process: linking mimalloc replaces malloc process-wide).
//
// Every check builds its own AllocatorStack and store, so each doctest TEST_CASE (one ctest test,
// one process) measures VmHWM from a clean baseline. Each reports its figures with MESSAGE.
#pragma once

#include <cstdint>
#include <string_view>

namespace orchestrix::memtest {

// Sanitizer builds (ORCHESTRIX_SANITIZE non-empty) compile out the 1M-event cases and run the
// bytes-per-event bar at 100k: ASan's shadow memory and redzones make VmHWM meaningless and a
// 1M load several times slower (docs/memory.md, "Running the memory tests").
#if defined(ORCHESTRIX_MEMTEST_SANITIZED)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

inline constexpr std::uint64_t k100k = 100'000;
inline constexpr std::uint64_t k1M = 1'000'000;
inline constexpr std::uint64_t kMB = 1'000'000;  // budgets use decimal MB / GB (the stricter)
inline constexpr double kBarBytesPerEvent = 64.0;

// Loads `events` seed events on `allocator`, reads them back, and checks that the instrumented
// peak (requested and held from upstream) and the VmHWM delta stay below `budget_bytes`.
void check_seed_budget(std::string_view allocator, std::uint64_t events,
                       std::uint64_t budget_bytes);

// The project's bar: `events` seed events take <= 64 bytes per event in total through the
// instrumented resource (memory_stats total and instrumented live), and also counting what the
// allocator itself holds from its upstream (arena, pool). Reports the figures.
void check_bytes_per_event_bar(std::string_view allocator, std::uint64_t events);

// memory_stats().total_bytes() equals the instrumented live bytes after loading and after
// reading, and destroying the store gives every byte back.
void check_stats_match_instrumented(std::string_view allocator, std::uint64_t events);

}  // namespace orchestrix::memtest
