// The event store scenarios of bench_store, each a function template over a side
// (store_sides.hpp) so that every side runs the same code. Events are the `seed` workload's
// (orchestrix/seed_workload.hpp). Counters: items_per_second (events per second), bytes_per_event
// (held at the end of the run), allocs_per_op (alloc_count.hpp; an operation is one iteration).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "alloc_count.hpp"
#include "orchestrix/event_store.hpp"
#include "orchestrix/seed_workload.hpp"

namespace orchestrix::bench {

// A batch of n seed events, owned.
struct SeedBatch {
  SeedWorkload workload;
  WorkloadBatch batch;
  explicit SeedBatch(std::uint32_t n, std::uint64_t seed = 42)
      : workload(
            {.events = n, .events_per_stream = n, .seed = seed, .wall_clock = WallClock::kYes}) {
    workload.next(batch);
  }
  std::span<const EventData> events() const { return batch.events; }
};

inline std::string stream_name(std::uint64_t i) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof(buf), "agg-%llu", static_cast<unsigned long long>(i));
  return std::string(buf, static_cast<std::size_t>(n));
}

inline std::vector<std::string> stream_names(int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back(stream_name(static_cast<std::uint64_t>(i)));
  return names;
}

template <class Side>
void report(benchmark::State& state, const Side& side, std::uint64_t events) {
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.counters["bytes_per_event"] = side.bytes_per_event();
}

// ---- single event -------------------------------------------------------------------------

// Append 1 event without an id, cycling over 1,000 streams (the id is generated, so no append
// is an idempotent retry of the previous one).
template <class Side>
void SaveSingleEvent(benchmark::State& state) {
  auto side = std::make_unique<Side>();
  SeedBatch one(1);
  EventData event = one.events()[0];
  event.id.reset();
  const std::span<const EventData> events(&event, 1);
  const std::vector<std::string> names = stream_names(1000);
  std::uint64_t i = 0;
  const AllocCount allocs;
  for (auto _ : state) side->append(names[i++ % 1000], events);
  allocs.report(state);
  report(state, *side, i);
}

// Read a 1-event stream (of 1,000).
template <class Side>
void LoadSingleEvent(benchmark::State& state) {
  Side side;
  SeedBatch one(1);
  const std::vector<std::string> names = stream_names(1000);
  for (const std::string& name : names) side.append(name, one.events());
  std::uint64_t i = 0;
  const AllocCount allocs;
  for (auto _ : state) side.read(names[i++ % 1000]);
  allocs.report(state);
  report(state, side, i);
}

// ---- batches ------------------------------------------------------------------------------

constexpr std::uint64_t kMaxHeldEvents = 500'000;  // recreate the side past this

// Append a batch of N events to a new stream.
template <class Side>
void SaveBatch(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  SeedBatch batch(n);
  auto side = std::make_unique<Side>();
  std::uint64_t stream = 0;
  std::uint64_t total = 0;
  const AllocCount allocs;
  for (auto _ : state) {
    if ((stream + 1) * n > kMaxHeldEvents) {
      state.PauseTiming();
      side = std::make_unique<Side>();
      stream = 0;
      state.ResumeTiming();
    }
    side->append(stream_name(stream++), batch.events());
    total += n;
  }
  allocs.report(state);
  report(state, *side, total);
}

// Read a whole N-event stream.
template <class Side>
void LoadBatch(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  SeedBatch batch(n);
  Side side;
  side.append("agg", batch.events());
  std::uint64_t total = 0;
  const AllocCount allocs;
  for (auto _ : state) {
    side.read("agg");
    total += n;
  }
  allocs.report(state);
  report(state, side, total);
}

// Read versions 9,000..9,999 of a 10,000-event stream.
template <class Side>
void PartialLoad(benchmark::State& state) {
  SeedBatch batch(10'000);
  Side side;
  side.append("agg", batch.events());
  std::uint64_t total = 0;
  const AllocCount allocs;
  for (auto _ : state) {
    side.read("agg", 9'000);
    total += 1'000;
  }
  allocs.report(state);
  report(state, side, total);
}

// ---- snapshots ----------------------------------------------------------------------------

// Save a 200-byte snapshot of a 100-event stream (replacing the previous one).
template <class Side>
void SnapshotSave(benchmark::State& state) {
  SeedBatch batch(100);
  Side side;
  side.prepare_snapshots("agg", batch.events());
  const std::string blob(200, 's');
  const AllocCount allocs;
  for (auto _ : state) side.save_snapshot("agg", 100, blob);
  allocs.report(state);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Load that snapshot.
template <class Side>
void SnapshotLoad(benchmark::State& state) {
  SeedBatch batch(100);
  Side side;
  side.prepare_snapshots("agg", batch.events());
  side.save_snapshot("agg", 100, std::string(200, 's'));
  const AllocCount allocs;
  for (auto _ : state) side.load_snapshot("agg");
  allocs.report(state);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// ---- many aggregates ----------------------------------------------------------------------

// A new side, 10 events appended to each of 100 streams, then all of them read.
template <class Side>
void MultipleAggregates(benchmark::State& state) {
  SeedBatch batch(10);
  const std::vector<std::string> names = stream_names(100);
  std::uint64_t total = 0;
  double bpe = 0;
  const AllocCount allocs;
  for (auto _ : state) {
    Side side;
    for (const auto& n : names) side.append(n, batch.events());
    for (const auto& n : names) side.read(n);
    total += 1000;
    bpe = side.bytes_per_event();
  }
  allocs.report(state);
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
  state.counters["bytes_per_event"] = bpe;
}

// ---- bytes per seed event -----------------------------------------------------------------

// Load N seed events (N/100 streams of 100, synthetic clock: the memory tests' workload) into
// a new side; bytes_per_event is the figure, items_per_second the bulk load rate. Run once.
template <class Side>
void SeedBytes(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  double bpe = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto side = std::make_unique<Side>();
    SeedWorkload w({.events = n});
    WorkloadBatch b;
    state.ResumeTiming();
    while (w.next(b)) side->append(b.stream, b.events);
    state.PauseTiming();
    bpe = side->bytes_per_event();
    side.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n * state.iterations()));
  state.counters["bytes_per_event"] = bpe;
  state.counters["megabytes"] = bpe * static_cast<double>(n) / 1e6;
}

// ---- concurrency --------------------------------------------------------------------------

// One side shared by all threads: thread 0 makes it before the threads start their loops (the
// loop's start barrier publishes it) and destroys it after the loop's end barrier, so that no
// side outlives its run (the map's and SQLite's byte counts are process-wide).
template <class Side>
std::unique_ptr<Side> g_shared;

// Every thread appends 100-event batches to streams of its own, on one shared side.
// items_per_second is the total over all threads (real time).
template <class Side>
void ConcurrentAppend(benchmark::State& state) {
  if (state.thread_index() == 0) g_shared<Side> = std::make_unique<Side>();
  SeedBatch batch(100, 42 + static_cast<std::uint64_t>(state.thread_index()));
  const std::uint64_t base = static_cast<std::uint64_t>(state.thread_index()) << 32;
  std::uint64_t i = 0;
  const AllocCount allocs;
  for (auto _ : state) g_shared<Side>->append(stream_name(base + i++), batch.events());
  allocs.report(state);
  state.SetItemsProcessed(static_cast<std::int64_t>(i * 100));
  if (state.thread_index() == 0) {
    state.counters["bytes_per_event"] = g_shared<Side>->bytes_per_event();
    g_shared<Side>.reset();
  }
}

// The no-sharing control of ConcurrentAppend: the same loop, each thread on a private side of
// its own. Its 2-thread / 1-thread ratio is the scaling the machine gives when nothing is
// shared.
template <class Side>
void ControlConcurrentAppend(benchmark::State& state) {
  auto side = std::make_unique<Side>();
  SeedBatch batch(100, 42 + static_cast<std::uint64_t>(state.thread_index()));
  std::uint64_t i = 0;
  const AllocCount allocs;
  for (auto _ : state) side->append(stream_name(i++), batch.events());
  allocs.report(state);
  state.SetItemsProcessed(static_cast<std::int64_t>(i * 100));
}

}  // namespace orchestrix::bench
