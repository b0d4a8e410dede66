// The SQLite peer of the durable-append benchmarks (bench_durable, bench_store_durable): SQLite in
// WAL mode with synchronous=FULL, one transaction per append of <events> rows of 100 bytes, one
// connection behind a mutex (SQLite has one writer at a time), in a fresh directory under the
// working directory (the same file system as the Orchestrix side of the run).
//
//   BENCHMARK(BM_SqliteWalAppend)->Arg(1)->Threads(8)->UseRealTime()
//       ->Setup(sqlite_wal_setup)->Teardown(sqlite_wal_teardown);
//
// items_per_second counts rows (events), all threads together with UseRealTime.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>

namespace orchestrix::bench {

inline constexpr std::size_t kDurableEventBytes = 100;

// A fresh directory "<working directory>/<prefix>-XXXXXX" (mkdtemp). Throws std::runtime_error.
std::string make_bench_directory(const char* prefix);

void sqlite_wal_setup(const benchmark::State& state);
void sqlite_wal_teardown(const benchmark::State& state);
void BM_SqliteWalAppend(benchmark::State& state);

}  // namespace orchestrix::bench
