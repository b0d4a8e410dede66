// The churn workload: its shape on a store, its determinism and its utilization figure.
#include "orchestrix/churn_workload.hpp"

#include <doctest/doctest.h>

#include <string>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/event_store.hpp"

using namespace orchestrix;

namespace {

// 50 streams, 30,000 events in batches of 10, a snapshot every 100 events of a stream.
constexpr ChurnOptions kSmall{.streams = 50,
                              .batch_events = 10,
                              .snapshot_every = 100,
                              .warmup_events = 20'000,
                              .measured_events = 10'000,
                              .sample_every_events = 1'000};

struct Run {
  alloc::InstrumentedResource counted;
  EventStore store;
  ChurnResult result;

  explicit Run(RetentionPolicy retention, double auto_compact = 0)
      : store({.memory = &counted,
               .segment_bytes = 64 * 1024,
               .retention = retention,
               .auto_compact_dead_ratio = auto_compact}),
        result(run_churn(store, counted, kSmall)) {}
};

}  // namespace

TEST_CASE("the churn workload appends whole batches to churn-<k> streams and snapshots them") {
  Run run(RetentionPolicy::keep_all());
  const ChurnResult& r = run.result;
  CHECK(r.appended_events == 30'000);
  CHECK(r.samples == 11);  // at 20,000, 21,000, ..., 30,000 events
  std::uint64_t events = 0;
  std::uint64_t snapshots = 0;
  for (std::uint64_t k = 0; k < kSmall.streams; ++k) {
    const std::string name = "churn-" + std::to_string(k);
    std::uint64_t n = 0;
    for (const EventView& e : run.store.read(name)) {
      CHECK(e.type() == "BenchmarkEvent");
      ++n;
    }
    CHECK(n % kSmall.batch_events == 0);
    events += n;
    // One snapshot per 100 events of the stream, at the head when it was saved.
    if (const auto s = run.store.load_snapshot(name)) {
      CHECK(s->type() == "ChurnAggregate");
      CHECK(s->version() == n - n % kSmall.snapshot_every);
    }
    snapshots += n / kSmall.snapshot_every;
  }
  CHECK(events == r.appended_events);
  CHECK(r.snapshots == snapshots);
  // Nothing is dropped, so only the newest segment's unused tail is waste.
  CHECK(r.last.dead_record_bytes == 0);
  CHECK(r.last_held == r.last.total_bytes());
  CHECK(churn_utilization(r.last, r.last_held) ==
        doctest::Approx(1.0 - static_cast<double>(r.last.segment_slack_bytes) /
                                  static_cast<double>(r.last_held)));
}

TEST_CASE("the churn workload repeats exactly and compaction keeps its utilization up") {
  const Run a(RetentionPolicy::drop_before_snapshot(), kChurnAutoCompactDeadRatio);
  const Run b(RetentionPolicy::drop_before_snapshot(), kChurnAutoCompactDeadRatio);
  CHECK(a.result.snapshots == b.result.snapshots);
  CHECK(a.result.last_held == b.result.last_held);
  CHECK(a.result.last.dead_record_bytes == b.result.last.dead_record_bytes);
  CHECK(a.result.mean_utilization == b.result.mean_utilization);

  const Run uncompacted(RetentionPolicy::drop_before_snapshot());
  CHECK(uncompacted.result.last.dead_record_bytes > 0);
  CHECK(a.result.min_utilization > uncompacted.result.max_utilization);
  CHECK(a.result.max_utilization <= 1.0);
}

TEST_CASE("churn utilization is the share of held bytes that is not waste") {
  StoreMemoryStats s;
  s.dead_record_bytes = 10;
  s.segment_slack_bytes = 20;
  s.retired_segment_bytes = 30;
  CHECK(churn_utilization(s, 200) == doctest::Approx(0.7));
  CHECK(churn_utilization(s, 60) == 0.0);
  CHECK(churn_utilization(s, 0) == 0.0);
}
