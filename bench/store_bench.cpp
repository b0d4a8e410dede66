// bench_store: the original event store benchmark list, each scenario (store_scenarios.hpp) run
// on the Orchestrix store and on three peers in the same executable and the same run:
//   BM_Store<Scenario>    the Orchestrix EventStore
//   BM_Map<Scenario>      a hand-written unordered_map<string, vector<Event>> (store_map_peer.hpp)
//   BM_Sqlite<Scenario>   SQLite in memory, prepared statements (store_sqlite_peer.hpp)
//   BM_Lmdb<Scenario>     LMDB on tmpfs (store_lmdb_peer.hpp)
// Scenarios (the original's name in brackets):
//   SaveSingleEvent, LoadSingleEvent          [single event operations]
//   SaveBatch/N, LoadBatch/N, N = 100, 1,000, 10,000   [batch operations]
//   PartialLoad (last 1,000 of 10,000)        [partial loading, from a version]
//   SnapshotSave, SnapshotLoad (200 B)        [snapshot operations]
//   MultipleAggregates (100 streams x 10)     [multiple aggregates]
//   ConcurrentAppend, 1 and 2 threads         [concurrent operations]; total items/s
//   SeedBytes/N, N = 100,000 and 1,000,000    [memory usage targets]: bytes per seed event
// and, on the store only:
//   BM_ControlConcurrentAppend   the no-sharing control: each thread a private store
//   BM_StoreCompact              compact() of 100k seed events, 80% dead (no peer: they cannot
//                                give memory back); counters: bytes moved per second, bytes retired
// The floors (store_floor.cpp): BM_FloorEncodeBatch/N, BM_FloorDecodeBatch/N.
//
// Run: tools/bench run --filter 'BM_(Store|Map|Sqlite|Lmdb)' (docs/performance.md), or
// build/release/bench/bench_store --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <functional>
#include <string>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/event_store.hpp"
#include "orchestrix/seed_workload.hpp"
#include "registration.hpp"
#include "store_scenarios.hpp"
#include "store_sides.hpp"

namespace {

using namespace orchestrix::bench;

using Scenario = void (*)(benchmark::State&);
using Settings = std::function<void(benchmark::internal::Benchmark*)>;

void add(const std::string& name, Scenario scenario, const Settings& settings = {}) {
  benchmark::internal::Benchmark* b =
      configure(benchmark::RegisterBenchmark(name.c_str(), scenario));
  if (settings) settings(b);
}

// Registers BM_Store<name>, BM_Map<name>, BM_Sqlite<name>, BM_Lmdb<name> with the same settings.
// NOLINTBEGIN(bugprone-macro-parentheses): `name` is a template name; (name)<Side> does not parse.
#define ORCHESTRIX_ALL_SIDES(name, settings)                \
  do {                                                      \
    add("BM_Store" #name, (name<StoreSide>), (settings));   \
    add("BM_Map" #name, (name<MapSide>), (settings));       \
    add("BM_Sqlite" #name, (name<SqliteSide>), (settings)); \
    add("BM_Lmdb" #name, (name<LmdbSide>), (settings));     \
  } while (false)
// NOLINTEND(bugprone-macro-parentheses)

const bool kRegistered = [] {
  const Settings none;
  const Settings batch_sizes = [](auto* b) { b->Arg(100)->Arg(1000)->Arg(10000); };
  const Settings threads = [](auto* b) { b->Threads(1)->Threads(2)->UseRealTime(); };
  const Settings seed_sizes = [](auto* b) {
    b->Arg(100'000)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);
  };
  ORCHESTRIX_ALL_SIDES(SaveSingleEvent, none);
  ORCHESTRIX_ALL_SIDES(LoadSingleEvent, none);
  ORCHESTRIX_ALL_SIDES(SaveBatch, batch_sizes);
  ORCHESTRIX_ALL_SIDES(LoadBatch, batch_sizes);
  ORCHESTRIX_ALL_SIDES(PartialLoad, none);
  ORCHESTRIX_ALL_SIDES(SnapshotSave, none);
  ORCHESTRIX_ALL_SIDES(SnapshotLoad, none);
  ORCHESTRIX_ALL_SIDES(MultipleAggregates, none);
  ORCHESTRIX_ALL_SIDES(ConcurrentAppend, threads);
  add("BM_ControlConcurrentAppend", ControlConcurrentAppend<StoreSide>, threads);
  ORCHESTRIX_ALL_SIDES(SeedBytes, seed_sizes);
  return true;
}();

// ---- compaction (the store only) -----------------------------------------------------------

void BM_StoreCompact(benchmark::State& state) {
  std::uint64_t moved = 0;
  std::uint64_t retired = 0;
  for (auto _ : state) {
    state.PauseTiming();
    orchestrix::alloc::InstrumentedResource memory(orchestrix::alloc::system_resource());
    orchestrix::EventStore store(
        {.memory = &memory, .retention = orchestrix::RetentionPolicy::keep_before_snapshot(20)});
    orchestrix::SeedWorkload w({.events = 100'000, .wall_clock = orchestrix::WallClock::kYes});
    orchestrix::WorkloadBatch b;
    while (w.next(b)) store.append(b.stream, b.events);
    w.reset();
    while (w.next(b)) store.save_snapshot(b.stream, {b.events.size(), "Agg", {}});
    state.ResumeTiming();
    const orchestrix::CompactionResult r = store.compact();
    state.PauseTiming();
    moved += r.live_bytes_moved;
    retired += r.bytes_retired;
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(moved));
  state.counters["bytes_retired_per_run"] =
      static_cast<double>(retired) / static_cast<double>(state.iterations());
}
ORCHESTRIX_BENCHMARK(BM_StoreCompact)->Unit(benchmark::kMillisecond)->Iterations(10);

}  // namespace
