// mimalloc resource benchmarks, in their own process: linking orchestrix::mimalloc replaces
// malloc and operator new for the whole process, so the baseline here (new_delete) is mimalloc.
//
// Scenarios (argument: request size in bytes; alignment 8):
//   BM_MimallocNewDeletePair             baseline: std::pmr::new_delete_resource() (= mimalloc)
//   BM_MimallocPair                      MimallocResource
//   BM_InstrumentedOverMimallocPair      InstrumentedResource over MimallocResource
//
// Run: build/<preset>/bench/bench_alloc_mimalloc --benchmark_repetitions=9
//        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory_resource>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/mimalloc_resource.hpp"

namespace oa = orchestrix::alloc;

namespace {

void run_pairs(benchmark::State& state, std::pmr::memory_resource* r) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* p = r->allocate(bytes, 8);
    benchmark::DoNotOptimize(p);
    r->deallocate(p, bytes, 8);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_MimallocNewDeletePair(benchmark::State& state) {
  run_pairs(state, std::pmr::new_delete_resource());
}
void BM_MimallocPair(benchmark::State& state) { run_pairs(state, oa::mimalloc_resource()); }
void BM_InstrumentedOverMimallocPair(benchmark::State& state) {
  oa::InstrumentedResource r(oa::mimalloc_resource());
  run_pairs(state, &r);
}

}  // namespace

BENCHMARK(BM_MimallocNewDeletePair)->Arg(64)->Arg(1024);
BENCHMARK(BM_MimallocPair)->Arg(64)->Arg(1024);
BENCHMARK(BM_InstrumentedOverMimallocPair)->Arg(64)->Arg(1024);
