// bench_durable: durable append throughput of the log writer (engine/durable) with kOnCommit
// (every append returns once fdatasync covered it; concurrent appenders share syncs: group
// commit) against SQLite in WAL mode with synchronous=FULL, both on the same file system: a
// fresh directory under the working directory (run it from the file system to measure).
//
//   BM_DurableAppend/<events>/threads:<n>   one frame of <events> events of 100 bytes per append
//   BM_SqliteWalAppend/<events>/threads:<n> one transaction inserting <events> rows of 100 bytes
//
// items_per_second counts events, all threads together (UseRealTime): the total rate.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <orchestrix/durable/log_writer.hpp>
#include <string>
#include <vector>

#include "sqlite_wal_peer.hpp"

namespace {

using orchestrix::bench::BM_SqliteWalAppend;
using orchestrix::durable::Durability;
using orchestrix::durable::LogWriter;

constexpr std::size_t kEventBytes = orchestrix::bench::kDurableEventBytes;

struct DurableFixture {
  std::string dir;
  std::unique_ptr<LogWriter> writer;
};
DurableFixture* durable = nullptr;

void durable_setup(const benchmark::State&) {
  durable = new DurableFixture{orchestrix::bench::make_bench_directory("durable-bench"), nullptr};
  orchestrix::durable::WriterOptions options;
  options.durability = Durability::kOnCommit;
  durable->writer = LogWriter::create(orchestrix::durable::posix_file_system(),
                                      durable->dir + "/log", orchestrix::Uuid::v4(), options);
}

void durable_teardown(const benchmark::State&) {
  durable->writer->close();
  std::filesystem::remove_all(durable->dir);
  delete durable;
  durable = nullptr;
}

void BM_DurableAppend(benchmark::State& state) {
  const auto events = static_cast<std::size_t>(state.range(0));
  const std::vector<std::byte> payload(events * kEventBytes, std::byte{0x42});
  for (auto _ : state) {
    benchmark::DoNotOptimize(durable->writer->append(1, payload));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events));
}

BENCHMARK(BM_DurableAppend)
    ->Arg(1)
    ->Arg(100)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->UseRealTime()
    ->Setup(durable_setup)
    ->Teardown(durable_teardown);
BENCHMARK(BM_SqliteWalAppend)
    ->Arg(1)
    ->Arg(100)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->UseRealTime()
    ->Setup(orchestrix::bench::sqlite_wal_setup)
    ->Teardown(orchestrix::bench::sqlite_wal_teardown);

}  // namespace
