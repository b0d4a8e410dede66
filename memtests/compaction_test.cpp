// Compaction gives memory back: dropping every seed event behind a head snapshot and
// compacting cuts the bytes held to <= 10%; the churn workload at steady state keeps
// utilization (live bytes / bytes held) >= 0.90.
#include <doctest/doctest.h>

#include "compaction_checks.hpp"
#include "orchestrix/churn_workload.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix_test/alloc_guard.hpp"
#include "seed_budget_checks.hpp"
#include "support/seed_run.hpp"

namespace orchestrix::memtest {
namespace {

constexpr double kMinChurnUtilization = 0.90;

}  // namespace

TEST_CASE(
    "dropping every seed event behind a head snapshot and compacting leaves at most 10 "
    "percent of the bytes held on the system resource") {
  check_compaction_frees("system", &orchestrix::test::global_new_calls_all_threads);
}

TEST_CASE(
    "dropping every seed event behind a head snapshot and compacting leaves at most 10 "
    "percent of the bytes held on the arena resource") {
  check_compaction_frees("arena", &orchestrix::test::global_new_calls_all_threads);
}

TEST_CASE(
    "dropping every seed event behind a head snapshot and compacting leaves at most 10 "
    "percent of the bytes held on the pool resource") {
  check_compaction_frees("pool", &orchestrix::test::global_new_calls_all_threads);
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
