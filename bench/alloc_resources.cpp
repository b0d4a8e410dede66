// Memory resource benchmarks: the cost of one allocate + deallocate pair through each resource,
// and the overhead of the decorators over the bare upstream, measured in the same run.
//
// Scenarios (argument: request size in bytes; alignment 8):
//   BM_NewDeletePair                     baseline: std::pmr::new_delete_resource()
//   BM_SystemPair                        SystemResource (malloc/free)
//   BM_InstrumentedOverNewDeletePair     InstrumentedResource over new_delete (goal: <= 5 ns over
//                                        BM_NewDeletePair)
//   BM_InstrumentedExactPeakOverNewDeletePair  same with peak_granularity_bytes = 0 (exact peak)
//   BM_InstrumentedOverSystemPair        InstrumentedResource over SystemResource
//   BM_BudgetOverNewDeletePair           BudgetResource over new_delete
//   BM_FailingOverNewDeletePair          FailingResource (never failing) over new_delete
//   BM_PoolPair / BM_PoolUnsyncPair      PoolResource, with and without its mutex
//   BM_StdSyncPoolPair                   peer of BM_PoolPair: std::pmr::synchronized_pool_resource
//   BM_StdUnsyncPoolPair                 peer of BM_PoolUnsyncPair:
//                                        std::pmr::unsynchronized_pool_resource (not thread safe)
//                                        (both std pools over SystemResource, like PoolResource,
//                                        and pooling up to 4096 bytes, its max_slot_bytes)
//   BM_ArenaAllocate / BM_ArenaUnsyncAllocate  ArenaResource allocate (deallocate is a no-op;
//                                        the arena is released every 1 Mi allocations)
//   BM_StdMonotonicAllocate              peer of BM_ArenaUnsyncAllocate, same body:
//                                        std::pmr::monotonic_buffer_resource (not thread safe),
//                                        first buffer 1 MiB like the arena's blocks
//   BM_NewDeleteBatch / BM_InstrumentedOverNewDeleteBatch  1000 allocations then 1000 frees
//                                        (a container-like pattern; time is per batch)
//   ...Pair/threads:2                    two threads on one shared resource (contention check)
//
// Run: build/<preset>/bench/bench_alloc --benchmark_repetitions=9
//        --benchmark_report_aggregates_only=true
// Counters: the InstrumentedResource's MemoryStats fields (one field list drives them), per
// iteration where that means something; `held_per_request` for the arena.
#include <benchmark/benchmark.h>

#include <memory_resource>
#include <vector>

#include "orchestrix/alloc/arena_resource.hpp"
#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/memory_stats.hpp"
#include "orchestrix/alloc/pool_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"

namespace oa = orchestrix::alloc;

namespace {

constexpr std::size_t kAlign = 8;

void run_pairs(benchmark::State& state, std::pmr::memory_resource* r) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* p = r->allocate(bytes, kAlign);
    benchmark::DoNotOptimize(p);
    r->deallocate(p, bytes, kAlign);
  }
  state.SetItemsProcessed(state.iterations());
}

void report(benchmark::State& state, const oa::MemoryStats& stats) {
  oa::for_each_field(stats, [&](const char* name, std::uint64_t value) {
    state.counters[name] = static_cast<double>(value);
  });
}

void BM_NewDeletePair(benchmark::State& state) {
  run_pairs(state, std::pmr::new_delete_resource());
}

void BM_SystemPair(benchmark::State& state) { run_pairs(state, oa::system_resource()); }

void BM_InstrumentedOverNewDeletePair(benchmark::State& state) {
  // One resource shared by all threads of a multi-threaded run.
  static oa::InstrumentedResource r(std::pmr::new_delete_resource());
  run_pairs(state, &r);
  if (state.thread_index() == 0) report(state, r.stats());
}

void BM_InstrumentedExactPeakOverNewDeletePair(benchmark::State& state) {
  static oa::InstrumentedResource r(std::pmr::new_delete_resource(), {.peak_granularity_bytes = 0});
  run_pairs(state, &r);
  if (state.thread_index() == 0) report(state, r.stats());
}

void BM_InstrumentedOverSystemPair(benchmark::State& state) {
  oa::InstrumentedResource r(oa::system_resource());
  run_pairs(state, &r);
  report(state, r.stats());
}

void BM_BudgetOverNewDeletePair(benchmark::State& state) {
  static oa::BudgetResource r(std::pmr::new_delete_resource(), std::size_t{1} << 30);
  run_pairs(state, &r);
}

void BM_FailingOverNewDeletePair(benchmark::State& state) {
  oa::FailingResource r(std::pmr::new_delete_resource(), 0);
  run_pairs(state, &r);
}

void BM_PoolPair(benchmark::State& state) {
  static oa::PoolResource r;
  run_pairs(state, &r);
}

void BM_PoolUnsyncPair(benchmark::State& state) {
  oa::PoolResource r(oa::PoolOptions{.thread_safe = false});
  run_pairs(state, &r);
}

void BM_StdSyncPoolPair(benchmark::State& state) {
  static std::pmr::synchronized_pool_resource r({.largest_required_pool_block = 4096},
                                                oa::system_resource());
  run_pairs(state, &r);
}

void BM_StdUnsyncPoolPair(benchmark::State& state) {
  std::pmr::unsynchronized_pool_resource r({.largest_required_pool_block = 4096},
                                           oa::system_resource());
  run_pairs(state, &r);
}

constexpr std::size_t kArenaBlockBytes = 1 << 20;

// make(upstream) returns the bump resource under test (any type with release()). The calls go
// through a std::pmr::memory_resource* the compiler cannot see through, as a container's calls
// do: otherwise a resource whose do_allocate is defined in its header (the std ones) would be
// inlined into the loop and one defined in a .cpp would not.
template <typename Make>
void run_bump(benchmark::State& state, Make make) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  oa::InstrumentedResource upstream(oa::system_resource());
  auto arena = make(&upstream);
  std::pmr::memory_resource* r = &arena;
  benchmark::DoNotOptimize(r);
  std::size_t count = 0;
  double held_ratio = 0;
  for (auto _ : state) {
    void* p = r->allocate(bytes, kAlign);
    benchmark::DoNotOptimize(p);
    r->deallocate(p, bytes, kAlign);
    if (++count == 1024 * 1024) {  // 64 MiB of 64-byte records: up to one block of slack
      state.PauseTiming();
      held_ratio = static_cast<double>(upstream.bytes_live()) / static_cast<double>(count * bytes);
      arena.release();
      count = 0;
      state.ResumeTiming();
    }
  }
  if (count != 0) {
    held_ratio = static_cast<double>(upstream.bytes_live()) / static_cast<double>(count * bytes);
  }
  state.counters["held_per_request"] = held_ratio;
  state.SetItemsProcessed(state.iterations());
}

void run_arena(benchmark::State& state, bool thread_safe) {
  run_bump(state, [thread_safe](std::pmr::memory_resource* upstream) {
    return oa::ArenaResource(upstream,
                             {.block_bytes = kArenaBlockBytes, .thread_safe = thread_safe});
  });
}

void BM_ArenaAllocate(benchmark::State& state) { run_arena(state, true); }
void BM_ArenaUnsyncAllocate(benchmark::State& state) { run_arena(state, false); }

void BM_StdMonotonicAllocate(benchmark::State& state) {
  run_bump(state, [](std::pmr::memory_resource* upstream) {
    return std::pmr::monotonic_buffer_resource(kArenaBlockBytes, upstream);
  });
}

void run_batch(benchmark::State& state, std::pmr::memory_resource* r) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  std::vector<void*> held(1000);
  for (auto _ : state) {
    for (void*& p : held) p = r->allocate(bytes, kAlign);
    benchmark::ClobberMemory();
    for (void* p : held) r->deallocate(p, bytes, kAlign);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}

void BM_NewDeleteBatch(benchmark::State& state) {
  run_batch(state, std::pmr::new_delete_resource());
}

void BM_InstrumentedOverNewDeleteBatch(benchmark::State& state) {
  oa::InstrumentedResource r(std::pmr::new_delete_resource());
  run_batch(state, &r);
  report(state, r.stats());
}

}  // namespace

BENCHMARK(BM_NewDeletePair)->Arg(64)->Arg(1024);
BENCHMARK(BM_SystemPair)->Arg(64)->Arg(1024);
BENCHMARK(BM_InstrumentedOverNewDeletePair)->Arg(64)->Arg(1024);
BENCHMARK(BM_InstrumentedExactPeakOverNewDeletePair)->Arg(64);
BENCHMARK(BM_InstrumentedOverSystemPair)->Arg(64);
BENCHMARK(BM_BudgetOverNewDeletePair)->Arg(64);
BENCHMARK(BM_FailingOverNewDeletePair)->Arg(64);
BENCHMARK(BM_PoolPair)->Arg(64)->Arg(1024);
BENCHMARK(BM_PoolUnsyncPair)->Arg(64)->Arg(1024);
BENCHMARK(BM_StdSyncPoolPair)->Arg(64)->Arg(1024);
BENCHMARK(BM_StdUnsyncPoolPair)->Arg(64)->Arg(1024);
BENCHMARK(BM_ArenaAllocate)->Arg(64);
BENCHMARK(BM_ArenaUnsyncAllocate)->Arg(64);
BENCHMARK(BM_StdMonotonicAllocate)->Arg(64);
BENCHMARK(BM_NewDeleteBatch)->Arg(64);
BENCHMARK(BM_InstrumentedOverNewDeleteBatch)->Arg(64);
BENCHMARK(BM_NewDeletePair)->Arg(64)->Threads(2);
BENCHMARK(BM_InstrumentedOverNewDeletePair)->Arg(64)->Threads(2);
BENCHMARK(BM_InstrumentedExactPeakOverNewDeletePair)->Arg(64)->Threads(2);
