// The hard memory cap (issue 5): a store on a BudgetResource refuses the append that would cross
// the cap with BudgetExceeded, changes nothing, keeps serving reads, and accepts appends again
// once compaction has given memory back.
#include <doctest/doctest.h>

#include <array>
#include <optional>

#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/event_store.hpp"
#include "support/seed_workload.hpp"

namespace orchestrix::memtest {
namespace {

constexpr std::size_t kCapBytes = 4 * 1000 * 1000;
constexpr std::uint64_t kMaxEvents = 1'000'000;  // far more than fit under the cap

// store -> InstrumentedResource -> BudgetResource(kCapBytes) -> system
struct CappedStack {
  alloc::BudgetResource budget{alloc::system_resource(), kCapBytes};
  alloc::InstrumentedResource counted{&budget, {.peak_granularity_bytes = 0}};
};

// Everything observable about a store, to compare before and after a refused append.
struct Observed {
  StoreMemoryStats stats;
  std::uint64_t instrumented_live = 0;
  Position head;
  ReadBack read;
};

Observed observe(const EventStore& store, const CappedStack& stack, std::uint64_t aggregates) {
  return {store.memory_stats(), stack.counted.bytes_live(), store.head_position(),
          read_all_streams(store, aggregates)};
}

// Appends seed batches until the budget refuses one. Returns the refused batch's exception;
// `loaded` receives the number of aggregates fully appended before it.
std::optional<alloc::BudgetExceeded> fill_until_refused(EventStore& store, SeedWorkload& workload,
                                                        std::uint64_t& loaded,
                                                        WorkloadBatch& refused) {
  loaded = 0;
  while (workload.next(refused)) {
    try {
      store.append(refused.stream, refused.events, ExpectedVersion::no_stream());
    } catch (const alloc::BudgetExceeded& e) {
      return e;
    }
    ++loaded;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("an append that would cross the budget throws BudgetExceeded and changes nothing") {
  CappedStack stack;
  SeedWorkload workload(seed_options(kMaxEvents));
  EventStore store({.memory = &stack.counted});

  std::uint64_t loaded = 0;
  WorkloadBatch refused;
  const auto error = fill_until_refused(store, workload, loaded, refused);
  REQUIRE(error.has_value());
  const Observed before = observe(store, stack, loaded);

  // The refused batch again, and an append to an existing stream: both refused, nothing changes.
  CHECK_THROWS_AS(store.append(refused.stream, refused.events, ExpectedVersion::no_stream()),
                  alloc::BudgetExceeded);
  WorkloadBatch more;
  REQUIRE(workload.next(more));
  CHECK_THROWS_AS(store.append("agg-0", more.events, ExpectedVersion::exact(99)),
                  alloc::BudgetExceeded);

  const Observed after = observe(store, stack, loaded);
  MESSAGE("cap " << kCapBytes << " B: refused after " << loaded * kSeedBatchEvents
                 << " events; BudgetExceeded requested " << error->requested() << ", limit "
                 << error->limit() << ", live " << error->live() << "; store total "
                 << before.stats.total_bytes() << " B");
  CHECK(error->limit() == kCapBytes);
  CHECK(error->live() + error->requested() > kCapBytes);
  CHECK(loaded > 0);
  CHECK(store.stream_version(refused.stream) == std::nullopt);
  CHECK(store.stream_version("agg-0") == 99);
  CHECK(after.stats.total_bytes() == before.stats.total_bytes());
  CHECK(after.stats.appended_events == before.stats.appended_events);
  CHECK(after.stats.live_events == loaded * kSeedBatchEvents);
  CHECK(after.instrumented_live == before.instrumented_live);
  CHECK(after.head == before.head);
  CHECK(after.head.value == loaded * kSeedBatchEvents);
  // Still serves reads, with the same contents.
  CHECK(after.read.events == loaded * kSeedBatchEvents);
  CHECK(after.read.global_events == loaded * kSeedBatchEvents);
  CHECK(after.read.in_order);
  CHECK(after.read.digest == before.read.digest);
}

}  // namespace orchestrix::memtest
