#include "orchestrix/churn_workload.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cstring>
#include <limits>
#include <random>
#include <string_view>
#include <vector>

#include "orchestrix/event_store.hpp"
#include "orchestrix/seed_workload.hpp"

namespace orchestrix {
namespace {

std::string_view churn_stream(std::uint64_t k, std::array<char, 32>& out) noexcept {
  std::memcpy(out.data(), "churn-", 6);
  const auto end = std::to_chars(out.data() + 6, out.data() + out.size(), k).ptr;
  return {out.data(), static_cast<std::size_t>(end - out.data())};
}

}  // namespace

double churn_utilization(const StoreMemoryStats& stats, std::uint64_t held) noexcept {
  if (held == 0) return 0.0;
  const std::uint64_t waste =
      stats.dead_record_bytes + stats.segment_slack_bytes + stats.retired_segment_bytes;
  return waste >= held ? 0.0 : static_cast<double>(held - waste) / static_cast<double>(held);
}

ChurnResult run_churn(EventStore& store, const alloc::InstrumentedResource& counted,
                      const ChurnOptions& options) {
  SeedWorkloadOptions gen;
  gen.events = std::numeric_limits<std::uint64_t>::max();
  gen.events_per_stream = options.batch_events;
  gen.seed = options.seed;
  gen.wall_clock = WallClock::kNo;
  SeedWorkload workload(gen);

  std::mt19937_64 pick(options.seed);
  std::uniform_int_distribution<std::uint64_t> stream_of(0, options.streams - 1);
  std::vector<std::uint64_t> since_snapshot(options.streams, 0);
  std::array<char, 32> name{};
  std::array<char, 32> state{};
  constexpr std::string_view kStatePrefix = "{\"sum\":";
  std::memcpy(state.data(), kStatePrefix.data(), kStatePrefix.size());

  ChurnResult result;
  double utilization_sum = 0;
  std::uint64_t next_sample = options.warmup_events;
  const std::uint64_t total = options.warmup_events + options.measured_events;
  const std::uint64_t new_calls_before =
      options.count_global_new != nullptr ? options.count_global_new() : 0;
  const auto start = std::chrono::steady_clock::now();
  WorkloadBatch batch;
  while (result.appended_events < total && workload.next(batch)) {
    const std::uint64_t k = stream_of(pick);
    const std::string_view stream = churn_stream(k, name);
    const AppendResult appended = store.append(stream, batch.events);
    result.appended_events += batch.events.size();
    since_snapshot[k] += batch.events.size();
    if (since_snapshot[k] >= options.snapshot_every) {
      since_snapshot[k] = 0;
      char* end = std::to_chars(state.data() + kStatePrefix.size(), state.data() + state.size() - 1,
                                appended.last_version * 7)
                      .ptr;
      *end++ = '}';
      const SnapshotData snapshot{appended.last_version + 1, "ChurnAggregate",
                                  std::as_bytes(std::span<const char>(state.data(), end))};
      store.save_snapshot(stream, snapshot);
      ++result.snapshots;
    }
    if (result.appended_events >= next_sample) {
      next_sample += options.sample_every_events;
      const StoreMemoryStats stats = store.memory_stats();
      const std::uint64_t held = counted.bytes_live();
      const double u = churn_utilization(stats, held);
      utilization_sum += u;
      ++result.samples;
      result.min_utilization = std::min(result.min_utilization, u);
      result.max_utilization = std::max(result.max_utilization, u);
      result.last = stats;
      result.last_held = held;
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options.count_global_new != nullptr) {
    result.global_new_calls = options.count_global_new() - new_calls_before;
  }
  if (result.samples > 0)
    result.mean_utilization = utilization_sum / static_cast<double>(result.samples);
  return result;
}

}  // namespace orchestrix
