// memtests/support/churn_workload.hpp — the `churn` reference workload (compaction under way)
// and its steady-state utilization measurement.
//
// Shape (docs/memory.md, "Reference workloads"): `streams` streams "churn-<k>"; each
// step appends one batch of `batch_events` seed-shaped events to a stream picked uniformly at
// random (std::mt19937_64, fixed seed), so streams grow continuously and out of step with each
// other; when a stream has `snapshot_every` events past its latest snapshot, it saves a
// snapshot at its head (state {"sum":<n>}, type "ChurnAggregate"). The store's retention policy
// and compaction settings decide what becomes dead and when it is compacted: the memory tests
// use drop-before-snapshot and automatic compaction (StoreOptions::auto_compact_dead_ratio).
//
// Utilization = (held - waste) / held, where held is the instrumented resource's live bytes
// (everything the store holds from its resource) and waste is the bytes held for nothing:
// dead_record_bytes + segment_slack_bytes + retired_segment_bytes of memory_stats(). It is
// sampled every `sample_every_events` appended events once `warmup_events` have been appended.
//
// Thread safety: one thread. Allocates on the default heap for its own bookkeeping (a counter
// per stream), never inside the store's resource.
#pragma once

#include <cstdint>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/store_memory_stats.hpp"

namespace orchestrix {
class EventStore;
}  // namespace orchestrix

namespace orchestrix::memtest {

// The store settings the churn figures are quoted with: drop everything before the latest
// snapshot, and compact automatically once dead record bytes reach 5% of the record bytes.
inline constexpr double kChurnAutoCompactDeadRatio = 0.05;

struct ChurnOptions {
  std::uint64_t streams = 10'000;
  std::uint32_t batch_events = 10;
  std::uint64_t snapshot_every = 100;
  std::uint64_t warmup_events = 2'000'000;
  std::uint64_t measured_events = 1'000'000;
  std::uint64_t sample_every_events = 20'000;
  std::uint64_t seed = 42;
  // Optional: a counter of global operator new calls (e.g. orchestrix::test::global_new_calls
  // from the alloc guard). When set, ChurnResult::global_new_calls is the number of calls made
  // by the appends, snapshots, compactions and samples of the run (after its own set-up).
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

// (held - dead - slack - retired) / held for one sample.
double utilization(const StoreMemoryStats& stats, std::uint64_t held) noexcept;

}  // namespace orchestrix::memtest
