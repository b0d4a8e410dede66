// The `seed` memory budgets on the mimalloc resource, in a binary of its own: linking mimalloc
// replaces malloc and operator new for the whole process (toolchain pitfall 1). This binary
// therefore has no alloc guard (it would be a second operator new replacement); the bypass test
// of seed_budget_test.cpp covers the store code, which is the same on every resource.
#include <doctest/doctest.h>

#include "compaction_checks.hpp"
#include "orchestrix/alloc/mimalloc_resource.hpp"
#include "seed_budget_checks.hpp"

namespace orchestrix::memtest {
namespace {

// Registers "mimalloc" with the registry before any test case runs (single-threaded start-up).
const bool kRegistered = [] {
  alloc::register_mimalloc_resource();
  return true;
}();

}  // namespace

TEST_CASE(
    "100k seed events on the mimalloc resource stay under 100 MB by instrumented bytes and "
    "by VmHWM") {
  REQUIRE(kRegistered);
  check_seed_budget("mimalloc", k100k, 100 * kMB);
}

TEST_CASE(
    "seed events on the mimalloc resource take at most 64 bytes per event through the "
    "instrumented resource") {
  check_bytes_per_event_bar("mimalloc", kSanitized ? k100k : k1M);
}

TEST_CASE("memory_stats total equals the instrumented live bytes on the mimalloc resource") {
  check_stats_match_instrumented("mimalloc", k100k);
}

TEST_CASE(
    "dropping every seed event behind a head snapshot and compacting leaves at most 10 "
    "percent of the bytes held on the mimalloc resource") {
  check_compaction_frees("mimalloc", nullptr);
}

#if !defined(ORCHESTRIX_MEMTEST_SANITIZED)
TEST_CASE(
    "1M seed events on the mimalloc resource stay under 1 GB by instrumented bytes and by "
    "VmHWM") {
  check_seed_budget("mimalloc", k1M, 1000 * kMB);
}
#endif

}  // namespace orchestrix::memtest
