// Compaction gives memory back (issue 5): dropping every seed event behind a head snapshot and
// compacting cuts the bytes held to <= 10%; the churn workload at steady state keeps
// utilization (live bytes / bytes held) >= 0.90.
#include <doctest/doctest.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include "orchestrix/errors.hpp"
#include "orchestrix_test/alloc_guard.hpp"
#include "seed_budget_checks.hpp"
#include "support/churn_workload.hpp"
#include "support/seed_run.hpp"

namespace orchestrix::memtest {
namespace {

constexpr std::uint64_t kCompactEvents = kSanitized ? k100k : k1M;
constexpr double kMaxRemainingShare = 0.10;
constexpr double kMinChurnUtilization = 0.90;

std::string_view seed_stream(std::uint64_t n, std::array<char, 32>& out) {
  std::memcpy(out.data(), "agg-", 4);
  const auto end = std::to_chars(out.data() + 4, out.data() + out.size(), n).ptr;
  return {out.data(), static_cast<std::size_t>(end - out.data())};
}

void check_compaction_frees(std::string_view allocator) {
  AllocatorStack stack(allocator);
  StoreOptions options;
  options.retention = RetentionPolicy::drop_before_snapshot();
  SeedRun run(stack, kCompactEvents, options);
  run.load();
  EventStore& store = run.store();
  const std::uint64_t held_before = stack.requested().bytes_live();
  const std::uint64_t upstream_before = stack.held_bytes();

  // A head snapshot per stream: the state after its 100 events (sum of 0..99 = 4950).
  constexpr std::string_view kState = "{\"sum\":4950}";
  std::array<char, 32> name{};
  REQUIRE(orchestrix::test::alloc_guard_active());
  std::optional<orchestrix::test::ScopedGlobalAllocCounter> counter(std::in_place);
  for (std::uint64_t n = 0; n < run.aggregates(); ++n) {
    store.save_snapshot(seed_stream(n, name),
                        {kSeedBatchEvents, "BenchmarkAggregate", std::as_bytes(std::span(kState))});
  }
  const StoreMemoryStats marked = store.memory_stats();

  const auto start = std::chrono::steady_clock::now();
  const CompactionResult compacted = store.compact();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::uint64_t global_news = counter->new_calls_all_threads();
  counter.reset();
  const StoreMemoryStats after = store.memory_stats();
  const std::uint64_t held_after = stack.requested().bytes_live();
  const std::uint64_t upstream_after = stack.held_bytes();
  const double share = static_cast<double>(held_after) / static_cast<double>(held_before);

  SeedReport report = run.report();
  MESSAGE(format_report(report));
  MESSAGE(allocator << ": " << kCompactEvents << " events, held through the instrumented resource "
                    << held_before << " B -> " << held_after << " B (" << share * 100
                    << "% remains; bar 10%); held from upstream " << upstream_before << " -> "
                    << upstream_after << " B; dead before compaction " << marked.dead_record_bytes
                    << " B; compact(): " << compacted.segments_retired << " segments / "
                    << compacted.bytes_retired << " B retired, " << compacted.live_bytes_moved
                    << " B moved in " << seconds * 1e3
                    << " ms; global operator new calls during snapshots + compact(): "
                    << global_news);
  CHECK(global_news == 0);
  CHECK(marked.live_events == 0);
  CHECK(marked.dead_record_bytes > 0);
  CHECK(compacted.bytes_retired > 0);
  CHECK(after.dead_record_bytes == 0);
  CHECK(after.retired_segment_bytes == 0);  // no read range is alive
  CHECK(after.total_bytes() == held_after);
  CHECK(share <= kMaxRemainingShare);

  // The streams stay consistent: head versions kept, reads below the retained range say so.
  const std::string_view first = seed_stream(0, name);
  CHECK(store.stream_version(first) == kSeedBatchEvents - 1);
  const EventRange clamped = store.read(first);
  CHECK(clamped.empty());
  CHECK(clamped.truncated());
  CHECK(clamped.first_version() == kSeedBatchEvents);
  CHECK_THROWS_AS((void)store.read(first, 0, BelowRetained::kThrow), ReadBelowRetained);
  const ReadBack back = run.read_back();
  CHECK(back.events == 0);
  CHECK(back.global_events == 0);
}

}  // namespace

TEST_CASE(
    "dropping every seed event behind a head snapshot and compacting leaves at most 10 "
    "percent of the bytes held on the system resource") {
  check_compaction_frees("system");
}

TEST_CASE(
    "dropping every seed event behind a head snapshot and compacting leaves at most 10 "
    "percent of the bytes held on the arena resource") {
  check_compaction_frees("arena");
}

TEST_CASE(
    "dropping every seed event behind a head snapshot and compacting leaves at most 10 "
    "percent of the bytes held on the pool resource") {
  check_compaction_frees("pool");
}

TEST_CASE(
    "the churn workload at steady state keeps live bytes at 90 percent or more of the "
    "bytes held") {
  AllocatorStack stack("system");
  StoreOptions options;
  options.memory = stack.resource();
  options.retention = RetentionPolicy::drop_before_snapshot();
  options.auto_compact_dead_ratio = kChurnAutoCompactDeadRatio;
  ChurnOptions churn;
  if constexpr (kSanitized) {
    // A fifth of the streams, so a fifth of the bytes: segments a quarter of the default keep
    // the newest segment's unused tail the same share of the store.
    churn.streams = 2'000;
    churn.warmup_events = 600'000;
    churn.measured_events = 200'000;
    churn.sample_every_events = 5'000;
    options.segment_bytes = 64 * 1024;
  }
  EventStore store(options);
  churn.count_global_new = &orchestrix::test::global_new_calls_all_threads;
  const ChurnResult r = run_churn(store, stack.requested(), churn);

  MESSAGE("churn: " << churn.streams << " streams, " << r.appended_events << " events, "
                    << r.snapshots << " snapshots in " << r.seconds << " s; utilization over "
                    << r.samples << " samples: mean " << r.mean_utilization << ", min "
                    << r.min_utilization << ", max " << r.max_utilization << "; last sample: held "
                    << r.last_held << " B, dead " << r.last.dead_record_bytes << " B, slack "
                    << r.last.segment_slack_bytes << " B, retired " << r.last.retired_segment_bytes
                    << " B, live events " << r.last.live_events
                    << "; global operator new calls during the run: " << r.global_new_calls);
  REQUIRE(r.samples > 0);
  CHECK(r.last.total_bytes() == r.last_held);
  CHECK(r.global_new_calls == 0);
  CHECK(r.mean_utilization >= kMinChurnUtilization);
}

}  // namespace orchestrix::memtest
