// The `seed` memory budgets on the system, arena and pool resources. mimalloc has its
// own binary (mimalloc_budget_test.cpp). Each TEST_CASE runs in its own process under ctest.
#include <doctest/doctest.h>

#include "orchestrix_test/alloc_guard.hpp"
#include "seed_budget_checks.hpp"
#include "support/seed_run.hpp"

namespace orchestrix::memtest {
namespace {

// Loading and reading seed events after the store was built makes no global operator new call:
// every byte the store takes comes from its resource (alloc guard, tests/support).
void check_no_bypass(std::string_view allocator, std::uint64_t events) {
  REQUIRE(orchestrix::test::alloc_guard_active());
  AllocatorStack stack(allocator);
  SeedRun run(stack, events);

  std::uint64_t calls = 0;
  std::uint64_t bytes = 0;
  std::uint64_t calls_all_threads = 0;
  ReadBack back;
  std::uint64_t live_events = 0;
  {
    const orchestrix::test::ScopedGlobalAllocCounter counter;
    run.load();
    back = run.read_back();
    live_events = run.store().memory_stats().live_events;
    calls = counter.new_calls();
    bytes = counter.new_bytes();
    calls_all_threads = counter.new_calls_all_threads();
  }
  MESSAGE("global operator new during " << events << " appends + reads on "
                                        << std::string(allocator) << ": " << calls << " calls ("
                                        << bytes << " bytes); all threads: " << calls_all_threads);
  CHECK(back.events == events);
  CHECK(live_events == events);
  CHECK(calls == 0);
  CHECK(calls_all_threads == 0);
}

constexpr std::uint64_t kBarEvents = kSanitized ? k100k : k1M;
constexpr std::uint64_t kBypassEvents = kSanitized ? k100k : k1M;

}  // namespace

// One set of cases per allocator. Names are sentences; "1M" cases exist only without sanitizers.
#define ORCHESTRIX_SEED_CASES(ALLOC)                                                             \
  TEST_CASE("100k seed events on the " ALLOC                                                     \
            " resource stay under 100 MB by instrumented bytes and by VmHWM") {                  \
    check_seed_budget(ALLOC, k100k, 100 * kMB);                                                  \
  }                                                                                              \
  TEST_CASE("seed events on the " ALLOC                                                          \
            " resource take at most 64 bytes per event through the instrumented resource") {     \
    check_bytes_per_event_bar(ALLOC, kBarEvents);                                                \
  }                                                                                              \
  TEST_CASE("memory_stats total equals the instrumented live bytes on the " ALLOC " resource") { \
    check_stats_match_instrumented(ALLOC, k100k);                                                \
  }                                                                                              \
  TEST_CASE("appending and reading seed events on the " ALLOC                                    \
            " resource makes no global operator new call") {                                     \
    check_no_bypass(ALLOC, kBypassEvents);                                                       \
  }

#define ORCHESTRIX_SEED_1M_CASES(ALLOC)                                       \
  TEST_CASE("1M seed events on the " ALLOC                                    \
            " resource stay under 1 GB by instrumented bytes and by VmHWM") { \
    check_seed_budget(ALLOC, k1M, 1000 * kMB);                                \
  }

ORCHESTRIX_SEED_CASES("system")
ORCHESTRIX_SEED_CASES("arena")
ORCHESTRIX_SEED_CASES("pool")

#if !defined(ORCHESTRIX_MEMTEST_SANITIZED)
ORCHESTRIX_SEED_1M_CASES("system")
ORCHESTRIX_SEED_1M_CASES("arena")
ORCHESTRIX_SEED_1M_CASES("pool")
#endif

}  // namespace orchestrix::memtest
