// The hard memory cap: a store on a BudgetResource refuses the append that would cross
// the cap with BudgetExceeded, changes nothing, keeps serving reads, and accepts appends again
// once compaction has given memory back.
#include <doctest/doctest.h>

#include <array>
#include <optional>

#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/churn_workload.hpp"
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

TEST_CASE("after compaction frees room under the budget appends succeed again") {
  CappedStack stack;
  SeedWorkload workload(seed_options(kMaxEvents));
  StoreOptions options;
  options.memory = &stack.counted;
  options.retention = RetentionPolicy::drop_before_snapshot();
  EventStore store(options);

  std::uint64_t loaded = 0;
  WorkloadBatch refused;
  REQUIRE(fill_until_refused(store, workload, loaded, refused).has_value());

  // The older half of the streams is snapshotted at its head, so its events become dead, and
  // compaction (default options) runs while the cap is all but reached.
  constexpr std::string_view kState = "{\"sum\":4950}";
  std::array<char, 32> name{};
  const std::uint64_t dropped = loaded / 2;
  for (std::uint64_t n = 0; n < dropped; ++n) {
    store.save_snapshot(seed_stream_name(n, name),
                        {kSeedBatchEvents, "BenchmarkAggregate", std::as_bytes(std::span(kState))});
  }
  const std::uint64_t live_before = stack.counted.bytes_live();
  const CompactionResult compacted = store.compact();
  const std::uint64_t live_after = stack.counted.bytes_live();

  // The refused batch now fits, and so do more.
  const AppendResult retried =
      store.append(refused.stream, refused.events, ExpectedVersion::no_stream());
  std::uint64_t appended_after = retried.count;
  WorkloadBatch more;
  bool refused_again = false;
  while (!refused_again && appended_after < dropped * kSeedBatchEvents / 2 && workload.next(more)) {
    try {
      appended_after += store.append(more.stream, more.events, ExpectedVersion::no_stream()).count;
    } catch (const alloc::BudgetExceeded&) {
      refused_again = true;
    }
  }
  MESSAGE("cap " << kCapBytes << " B: full at " << loaded * kSeedBatchEvents << " events; "
                 << dropped << " streams snapshotted; compact() retired "
                 << compacted.segments_retired << " segments (" << compacted.bytes_retired
                 << " B; moved " << compacted.live_bytes_moved << " B), live " << live_before
                 << " -> " << live_after << " B; then " << appended_after
                 << " more events appended");
  CHECK(compacted.bytes_retired > 0);
  CHECK(live_after < live_before);
  CHECK(retried.written);
  CHECK(retried.count == kSeedBatchEvents);
  CHECK(store.stream_version(refused.stream) == kSeedBatchEvents - 1);
  CHECK_FALSE(refused_again);
  CHECK(appended_after >= dropped * kSeedBatchEvents / 2);
  const ReadBack back = read_all_streams(store, loaded + 1);
  CHECK(back.events == (loaded - dropped + 1) * kSeedBatchEvents);
  CHECK(back.in_order);
}

namespace {

// The churn workload (2,000 streams, snapshot every 100 events, drop-before-snapshot) on a store
// capped at 8 MB; without compaction its 600,000 events would need ~21 MB.
ChurnResult churn_under_cap(std::size_t soft_limit_bytes) {
  alloc::BudgetResource budget{alloc::system_resource(), 8 * 1000 * 1000};
  alloc::InstrumentedResource counted{&budget, {.peak_granularity_bytes = 0}};
  StoreOptions options;
  options.memory = &counted;
  options.retention = RetentionPolicy::drop_before_snapshot();
  options.soft_limit_bytes = soft_limit_bytes;
  ChurnOptions churn;
  churn.streams = 2'000;
  churn.warmup_events = 500'000;
  churn.measured_events = 100'000;
  churn.sample_every_events = 10'000;
  EventStore store(options);
  return run_churn(store, counted, churn);
}

}  // namespace

TEST_CASE(
    "a soft limit under the budget lets automatic compaction keep appends from hitting "
    "the cap") {
  // Control: without the soft limit (and no other trigger) the same workload runs out.
  CHECK_THROWS_AS(churn_under_cap(0), alloc::BudgetExceeded);

  const ChurnResult r = churn_under_cap(6 * 1000 * 1000);
  MESSAGE("cap 8 MB, soft limit 6 MB: " << r.appended_events << " churn events, " << r.snapshots
                                        << " snapshots, held at the last sample " << r.last_held
                                        << " B, utilization mean " << r.mean_utilization);
  CHECK(r.appended_events == 600'000);
  CHECK(r.last_held < 8 * 1000 * 1000);
  CHECK(r.last.total_bytes() == r.last_held);
}

}  // namespace orchestrix::memtest
