// Benchmark registration shared by the suites: every benchmark goes through configure(), so that
// `tools/bench --mode callgrind` can run each one for a fixed number of iterations.
//
// ORCHESTRIX_BENCH_ITERATIONS=N in the environment makes every benchmark registered through
// configure() (or ORCHESTRIX_BENCHMARK) run exactly N iterations; unset, Google Benchmark picks
// the count as usual. Read once, at registration (static initialisation).
#pragma once

#include <benchmark/benchmark.h>

namespace orchestrix::bench {

// Applies the fixed iteration count, if the environment asks for one. Returns `b`.
benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b);

}  // namespace orchestrix::bench

// BENCHMARK(fn) with configure() applied.
#define ORCHESTRIX_BENCHMARK(fn) \
  BENCHMARK(fn)->Apply([](benchmark::internal::Benchmark* b) { orchestrix::bench::configure(b); })
