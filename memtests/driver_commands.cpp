#include "driver_commands.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "driver_fork.hpp"
#include "orchestrix/churn_workload.hpp"
#include "support/seed_run.hpp"

namespace orchestrix::memtest {
namespace {

struct CompactionFigures {
  double seconds = 0;
  double memcpy_seconds = 0;         // baseline: one memcpy of live_bytes_moved bytes, same process
  std::uint64_t held_loaded = 0;     // instrumented live after loading
  std::uint64_t held_marked = 0;     // ... after the snapshots
  std::uint64_t held_compacted = 0;  // ... after compact()
  std::uint64_t upstream_compacted = 0;
  std::uint64_t dead_marked = 0;
  CompactionResult result;
};

CompactionFigures measure_compaction(std::string_view allocator, std::uint64_t events,
                                     std::uint64_t snapshot_version) {
  AllocatorStack stack(allocator);
  StoreOptions options;
  options.retention = RetentionPolicy::drop_before_snapshot();
  SeedRun run(stack, events, options);
  run.load();
  EventStore& store = run.store();
  CompactionFigures f;
  f.held_loaded = stack.requested().bytes_live();

  run.snapshot_every_stream(snapshot_version);
  f.held_marked = stack.requested().bytes_live();
  f.dead_marked = store.memory_stats().dead_record_bytes;

  const auto start = std::chrono::steady_clock::now();
  f.result = store.compact();
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  f.held_compacted = stack.requested().bytes_live();
  f.upstream_compacted = stack.held_bytes();

  if (f.result.live_bytes_moved > 0) {
    // Both buffers are written first, so the timed copy touches no fresh page.
    std::vector<char> from(f.result.live_bytes_moved, 'x');
    std::vector<char> to(f.result.live_bytes_moved, '\0');
    const auto copy_start = std::chrono::steady_clock::now();
    std::memcpy(to.data(), from.data(), from.size());
    f.memcpy_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - copy_start).count();
    if (to[to.size() / 2] != 'x') f.memcpy_seconds = -1;  // keeps the copy observable
  }
  return f;
}

template <class T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int print_compaction_cost(std::string_view allocator, std::uint64_t events, int repeat) {
  std::printf(
      "compact() after snapshotting every stream (retention drop-before-snapshot), %s, "
      "%llu seed events, median of %d runs (each in a fresh process)\n\n",
      std::string(allocator).c_str(), static_cast<unsigned long long>(events), repeat);
  std::printf(
      "| snapshot at | held loaded MB | dead MB | retired MB | written MB | moved MB | "
      "held after MB | upstream after MB | compact ms | ms per MB moved | ms per MB "
      "retired | memcpy ms (moved bytes) | compact / memcpy |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const std::uint64_t version : {std::uint64_t{50}, std::uint64_t{100}}) {
    std::vector<CompactionFigures> runs;
    for (int i = 0; i < repeat; ++i) {
      CompactionFigures f;
      if (!run_in_child([&] { return measure_compaction(allocator, events, version); }, f)) {
        std::fprintf(stderr, "memtest_driver: compaction run failed\n");
        return 1;
      }
      runs.push_back(f);
    }
    std::vector<double> seconds;
    std::vector<double> memcpy_seconds;
    std::vector<double> ratios;
    for (const CompactionFigures& f : runs) {
      seconds.push_back(f.seconds);
      memcpy_seconds.push_back(f.memcpy_seconds);
      if (f.memcpy_seconds > 0) ratios.push_back(f.seconds / f.memcpy_seconds);
    }
    const double ms = median(seconds) * 1e3;
    const CompactionFigures& f = runs.front();  // byte figures are identical in every run
    const auto mb = [](std::uint64_t b) { return static_cast<double>(b) / 1e6; };
    const double moved = mb(f.result.live_bytes_moved);
    const double retired = mb(f.result.bytes_retired);
    char per_moved[32] = "-";
    char copy_ms[32] = "-";
    char ratio[32] = "-";
    if (moved > 0) {
      std::snprintf(per_moved, sizeof per_moved, "%.3f", ms / moved);
      std::snprintf(copy_ms, sizeof copy_ms, "%.2f", median(memcpy_seconds) * 1e3);
      if (!ratios.empty()) std::snprintf(ratio, sizeof ratio, "%.1f", median(ratios));
    }
    std::printf(
        "| v%llu | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %.3f | %s | %s |\n",
        static_cast<unsigned long long>(version), mb(f.held_loaded), mb(f.dead_marked), retired,
        mb(f.result.bytes_written), moved, mb(f.held_compacted), mb(f.upstream_compacted), ms,
        per_moved, retired > 0 ? ms / retired : 0.0, copy_ms, ratio);
  }
  return 0;
}

int print_churn(std::string_view allocator) {
  AllocatorStack stack(allocator);
  StoreOptions options;
  options.memory = stack.resource();
  options.retention = RetentionPolicy::drop_before_snapshot();
  options.auto_compact_dead_ratio = kChurnAutoCompactDeadRatio;
  const ChurnOptions churn;
  EventStore store(options);
  const ChurnResult r = run_churn(store, stack.requested(), churn);
  std::printf(
      "churn on %s: %llu streams, batches of %u, snapshot every %llu events, "
      "auto_compact_dead_ratio %.2f; %llu events (%llu warm-up), %llu snapshots, %.2f s\n\n",
      std::string(allocator).c_str(), static_cast<unsigned long long>(churn.streams),
      churn.batch_events, static_cast<unsigned long long>(churn.snapshot_every),
      kChurnAutoCompactDeadRatio, static_cast<unsigned long long>(r.appended_events),
      static_cast<unsigned long long>(churn.warmup_events),
      static_cast<unsigned long long>(r.snapshots), r.seconds);
  std::printf(
      "| samples | utilization mean | min | max | held MB (last) | dead MB | slack MB | "
      "retired MB | live events | held from upstream MB |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::printf("| %llu | %.4f | %.4f | %.4f | %.2f | %.2f | %.2f | %.2f | %llu | %.2f |\n",
              static_cast<unsigned long long>(r.samples), r.mean_utilization, r.min_utilization,
              r.max_utilization, static_cast<double>(r.last_held) / 1e6,
              static_cast<double>(r.last.dead_record_bytes) / 1e6,
              static_cast<double>(r.last.segment_slack_bytes) / 1e6,
              static_cast<double>(r.last.retired_segment_bytes) / 1e6,
              static_cast<unsigned long long>(r.last.live_events),
              static_cast<double>(stack.held_bytes()) / 1e6);
  return 0;
}

}  // namespace orchestrix::memtest
