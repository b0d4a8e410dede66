// orchestrix/churn_workload.hpp — the `churn` reference workload: a store whose streams keep
// growing while snapshots make their older events dead, so compaction is always under way; and
// its steady-state utilization measurement.
//
// Shape: `streams` streams "churn-0" .. "churn-<streams - 1>". Each step appends one batch of
// `batch_events` events to a stream drawn uniformly at random (std::mt19937_64 seeded with
// `seed`, so the sequence of streams is fixed), so streams grow continuously and out of step
// with each other. The events are the `seed` workload's (SeedWorkload with events_per_stream =
// batch_events, the same `seed`, WallClock::kNo): type "BenchmarkEvent", data {"value":<i>} for
// i = 0 .. batch_events - 1, a reproducible v4 id each. Once a stream has `snapshot_every` events
// past its latest snapshot, it saves a snapshot right after the batch: version = the batch's
// last_version + 1, type "ChurnAggregate", state {"sum":<last_version * 7>}. The run stops after
// warmup_events + measured_events events (rounded up to whole batches).
//
// The store's retention policy and compaction settings decide what becomes dead and when it is
// compacted; the reference figures use RetentionPolicy::drop_before_snapshot() and
// StoreOptions::auto_compact_dead_ratio = kChurnAutoCompactDeadRatio.
//
// Utilization = (held - waste) / held, where held is the InstrumentedResource's live bytes
// (everything the store holds from its resource) and waste is the bytes held for nothing:
// dead_record_bytes + segment_slack_bytes + retired_segment_bytes of memory_stats(). It is
// sampled every `sample_every_events` appended events once `warmup_events` have been appended.
//
// Determinism: the same options on a store with the same options append the same bytes and
// save the same snapshots, so every figure except `seconds` repeats exactly.
// Memory: the generator's buffers and one counter per stream, on the default heap before the
// first append; nothing during the run outside the store's resource.
// Errors: exceptions of the store (e.g. alloc::BudgetExceeded) pass through; what was appended
// before stays appended. Thread safety: one thread; the store's own rules apply.
#pragma once

#include <cstdint>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/store_memory_stats.hpp"

namespace orchestrix {

class EventStore;

// The automatic compaction threshold the churn figures are quoted with: compact once dead
// record bytes reach 5% of the record bytes.
inline constexpr double kChurnAutoCompactDeadRatio = 0.05;

struct ChurnOptions {
  std::uint64_t streams = 10'000;   // REQUIRES: > 0
  std::uint32_t batch_events = 10;  // 0: the generator throws InvalidArgument
  std::uint64_t snapshot_every = 100;
  std::uint64_t warmup_events = 2'000'000;
  std::uint64_t measured_events = 1'000'000;
  std::uint64_t sample_every_events = 20'000;
  std::uint64_t seed = 42;
  // Optional: a counter of global operator new calls (a test's allocation guard). When set,
  // ChurnResult::global_new_calls is the number of calls made by the appends, snapshots,
  // compactions and samples of the run (after its own set-up).
  std::uint64_t (*count_global_new)() noexcept = nullptr;
};

struct ChurnResult {
  std::uint64_t appended_events = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t samples = 0;
  double mean_utilization = 0;
  double min_utilization = 1;
  double max_utilization = 0;
  // The last sample's figures.
  StoreMemoryStats last;
  std::uint64_t last_held = 0;
  double seconds = 0;  // wall time of the whole run (appends, snapshots, compactions, samples)
  std::uint64_t global_new_calls = 0;  // see ChurnOptions::count_global_new
};

// Runs the churn workload on `store`, whose resource is (or sits under) `counted`.
ChurnResult run_churn(EventStore& store, const alloc::InstrumentedResource& counted,
                      const ChurnOptions& options);

// (held - dead - slack - retired) / held for one sample; 0 when held is 0.
double churn_utilization(const StoreMemoryStats& stats, std::uint64_t held) noexcept;

}  // namespace orchestrix
