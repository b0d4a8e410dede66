// bench_store_durable: a store with a directory (docs/durability.md), all in one run so that
// the ratios compare figures taken together, on the file system of the working directory (a
// fresh directory under it per case: run it from the file system to measure).
//
//   BM_StoreDurableAppend/<events>/threads:<n>  EventStore kOnCommit: one append of <events>
//                                               events of 100 bytes per iteration, each thread
//                                               on its own stream; concurrent appends share
//                                               fdatasyncs (group commit)
//   BM_SqliteWalAppend/<events>/threads:<n>     SQLite WAL, synchronous=FULL: one transaction
//                                               inserting <events> rows of 100 bytes
//   BM_StoreNoneAppend/<events>                 EventStore kNone (written, never synced)
//   BM_StoreMemoryAppend/<events>               the same appends, memory-only store
//   BM_StoreReopen/<events>                     constructing the store on a log of <events>
//                                               seed-workload events (engine/workload): the
//                                               recovery scan and replay; 10M events only with
//                                               ORCHESTRIX_BENCH_LARGE=1 (writing its log takes
//                                               a while); the log's pages are in the page cache
//   BM_StoreReopenCold/<events>                 the same with the log's pages dropped from the
//                                               page cache before each reopen (fdatasync, then
//                                               posix_fadvise DONTNEED): read from the disk
//   BM_StoreReopenCompressed/<events>           BM_StoreReopen's log opened with compression on
//                                               (the replay compresses the sealed segments)
//   BM_StoreReopenRewritten/<events>            the same events, compression on, after
//                                               compact() rewrote the log (a checkpoint of
//                                               zstd-packed batches)
//   BM_StoreRebuildMemory/<events>              the baseline: appending the same seed events to
//                                               a memory-only store (building that state without
//                                               any file)
//   BM_StoreCompactRewrite/<events>             compact() of a store with a directory holding
//                                               <events> seed events of which every stream's
//                                               first half was dropped (a snapshot with
//                                               drop-before-snapshot retention): the in-memory
//                                               compaction plus the log rewrite
//   BM_StoreCompactMemory/<events>              the baseline: the same compact() on a
//                                               memory-only store
//
// items_per_second counts events, all threads together (UseRealTime): the total rate.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "orchestrix/event_store.hpp"
#include "orchestrix/workload.hpp"
#include "sqlite_wal_peer.hpp"

namespace {

using orchestrix::Durability;
using orchestrix::EventData;
using orchestrix::EventStore;
using orchestrix::StoreOptions;
using orchestrix::bench::BM_SqliteWalAppend;

constexpr std::size_t kEventBytes = orchestrix::bench::kDurableEventBytes;

// ---- EventStore appends ----
struct StoreFixture {
  std::string dir;
  std::unique_ptr<EventStore> store;
};
StoreFixture* fixture = nullptr;

void open_store(const std::string& dir, Durability mode) {
  StoreOptions o;
  o.directory = dir;
  o.durability = mode;
  fixture = new StoreFixture{dir, std::make_unique<EventStore>(o)};
}

void on_commit_setup(const benchmark::State&) {
  open_store(orchestrix::bench::make_bench_directory("store-durable-bench"), Durability::kOnCommit);
}
void none_setup(const benchmark::State&) {
  open_store(orchestrix::bench::make_bench_directory("store-durable-bench"), Durability::kNone);
}
void memory_setup(const benchmark::State&) {
  fixture = new StoreFixture{"", std::make_unique<EventStore>()};
}

void store_teardown(const benchmark::State&) {
  fixture->store.reset();
  if (!fixture->dir.empty()) std::filesystem::remove_all(fixture->dir);
  delete fixture;
  fixture = nullptr;
}

void append_loop(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<std::byte> payload(kEventBytes, std::byte{0x42});
  std::vector<EventData> events(n);
  for (EventData& e : events) {
    e.type = "BenchEvent";
    e.data = payload;
  }
  const std::string stream = "bench-" + std::to_string(state.thread_index());
  for (auto _ : state) {
    benchmark::DoNotOptimize(fixture->store->append(stream, events));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void BM_StoreDurableAppend(benchmark::State& state) { append_loop(state); }
void BM_StoreNoneAppend(benchmark::State& state) { append_loop(state); }
void BM_StoreMemoryAppend(benchmark::State& state) { append_loop(state); }

// ---- compaction with the log rewrite ----
// A store of `events` seed events, every stream's first half dropped. Log writes unsynced.
std::unique_ptr<EventStore> half_dropped_store(const std::string& dir, std::uint64_t events) {
  StoreOptions o;
  o.directory = dir;
  o.durability = Durability::kNone;
  auto store = std::make_unique<EventStore>(o);
  orchestrix::SeedWorkload w({.events = events});
  orchestrix::WorkloadBatch b;
  const std::vector<std::byte> state(64, std::byte{0x5a});
  while (w.next(b)) {
    store->append(b.stream, b.events, orchestrix::ExpectedVersion::no_stream());
    store->set_retention(b.stream, orchestrix::RetentionPolicy::drop_before_snapshot());
    store->save_snapshot(b.stream, {b.events.size() / 2, "Half", state});
  }
  return store;
}

void compact_loop(benchmark::State& state, bool durable) {
  std::uint64_t before = 0;
  std::uint64_t after = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir =
        durable ? orchestrix::bench::make_bench_directory("store-durable-bench") : "";
    std::unique_ptr<EventStore> store =
        half_dropped_store(dir, static_cast<std::uint64_t>(state.range(0)));
    before = store->memory_stats().log_file_bytes;
    state.ResumeTiming();
    store->compact();
    state.PauseTiming();
    after = store->memory_stats().log_file_bytes;
    store.reset();
    if (durable) std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.counters["log_bytes_before"] = static_cast<double>(before);
  state.counters["log_bytes_after"] = static_cast<double>(after);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * state.range(0)));
}

void BM_StoreCompactRewrite(benchmark::State& state) { compact_loop(state, true); }
void BM_StoreCompactMemory(benchmark::State& state) { compact_loop(state, false); }

// ---- reopen ----
std::string reopen_dir;

void reopen_setup(const benchmark::State& state) {
  reopen_dir = orchestrix::bench::make_bench_directory("store-durable-bench");
  StoreOptions o;
  o.directory = reopen_dir;
  o.durability = Durability::kNone;  // the log's contents are the same; synced by the close
  EventStore store(o);
  orchestrix::SeedWorkload w({.events = static_cast<std::uint64_t>(state.range(0))});
  orchestrix::WorkloadBatch b;
  while (w.next(b)) store.append(b.stream, b.events, orchestrix::ExpectedVersion::no_stream());
}

// The same events, compression on, the log rewritten by compact() (one stream's first event
// dropped to make it rewrite): a checkpoint of zstd-packed batches.
void rewritten_setup(const benchmark::State& state) {
  reopen_dir = orchestrix::bench::make_bench_directory("store-durable-bench");
  StoreOptions o;
  o.directory = reopen_dir;
  o.durability = Durability::kNone;
  o.compression.enabled = true;
  EventStore store(o);
  orchestrix::SeedWorkload w({.events = static_cast<std::uint64_t>(state.range(0))});
  orchestrix::WorkloadBatch b;
  std::string first;
  while (w.next(b)) {
    store.append(b.stream, b.events, orchestrix::ExpectedVersion::no_stream());
    if (first.empty()) first = b.stream;
  }
  store.set_retention(first, orchestrix::RetentionPolicy::drop_before_snapshot());
  store.save_snapshot(first, {1, "Snap", {}});
  store.compact();
}

void reopen_teardown(const benchmark::State&) { std::filesystem::remove_all(reopen_dir); }

// Writes back and drops the page-cache pages of every file in the store directory, so that the
// next reopen reads them from the disk. Fails the benchmark when a call fails.
bool drop_cached_pages(benchmark::State& state) {
  for (const auto& entry : std::filesystem::directory_iterator(reopen_dir)) {
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // the lock file of a closed store may be gone
    const bool ok = ::fdatasync(fd) == 0 && ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
    ::close(fd);
    if (!ok) {
      state.SkipWithError("fdatasync or posix_fadvise failed");
      return false;
    }
  }
  return true;
}

void BM_StoreReopenCold(benchmark::State& state) {
  StoreOptions o;
  o.directory = reopen_dir;
  for (auto _ : state) {
    state.PauseTiming();
    if (!drop_cached_pages(state)) break;
    state.ResumeTiming();
    EventStore store(o);
    benchmark::DoNotOptimize(store.head_position());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * state.range(0)));
}

// Constructs a store on reopen_dir's log per iteration (the recovery scan and replay).
void reopen_loop(benchmark::State& state, bool compression) {
  StoreOptions o;
  o.directory = reopen_dir;
  o.compression.enabled = compression;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    EventStore store(o);
    bytes = store.memory_stats().log_file_bytes;
    benchmark::DoNotOptimize(store.head_position());
  }
  state.counters["log_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * state.range(0)));
}

void BM_StoreReopenCompressed(benchmark::State& state) { reopen_loop(state, true); }
void BM_StoreReopenRewritten(benchmark::State& state) { reopen_loop(state, true); }

void BM_StoreRebuildMemory(benchmark::State& state) {
  for (auto _ : state) {
    EventStore store;
    orchestrix::SeedWorkload w({.events = static_cast<std::uint64_t>(state.range(0))});
    orchestrix::WorkloadBatch b;
    while (w.next(b)) store.append(b.stream, b.events, orchestrix::ExpectedVersion::no_stream());
    benchmark::DoNotOptimize(store.head_position());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * state.range(0)));
}

void BM_StoreReopen(benchmark::State& state) { reopen_loop(state, false); }

BENCHMARK(BM_StoreDurableAppend)
    ->Arg(1)
    ->Arg(100)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->UseRealTime()
    ->Setup(on_commit_setup)
    ->Teardown(store_teardown);
BENCHMARK(BM_SqliteWalAppend)
    ->Arg(1)
    ->Arg(100)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->UseRealTime()
    ->Setup(orchestrix::bench::sqlite_wal_setup)
    ->Teardown(orchestrix::bench::sqlite_wal_teardown);
BENCHMARK(BM_StoreNoneAppend)
    ->Arg(1)
    ->Arg(100)
    ->UseRealTime()
    ->Setup(none_setup)
    ->Teardown(store_teardown);
BENCHMARK(BM_StoreMemoryAppend)
    ->Arg(1)
    ->Arg(100)
    ->UseRealTime()
    ->Setup(memory_setup)
    ->Teardown(store_teardown);

// 100k and 1M always; 10M with ORCHESTRIX_BENCH_LARGE=1.
const bool kLarge = std::getenv("ORCHESTRIX_BENCH_LARGE") != nullptr;
const bool kReopen = [] {
  using Fn = void (*)(benchmark::State&);
  const std::pair<const char*, Fn> cases[] = {
      {"BM_StoreReopen", BM_StoreReopen},
      {"BM_StoreReopenCold", BM_StoreReopenCold},
      {"BM_StoreReopenCompressed", BM_StoreReopenCompressed},
      {"BM_StoreReopenRewritten", BM_StoreReopenRewritten},
      {"BM_StoreRebuildMemory", BM_StoreRebuildMemory}};
  const std::pair<const char*, Fn> compactions[] = {
      {"BM_StoreCompactRewrite", BM_StoreCompactRewrite},
      {"BM_StoreCompactMemory", BM_StoreCompactMemory}};
  for (auto [name, fn] : compactions) {
    benchmark::RegisterBenchmark(name, fn)
        ->Arg(100'000)
        ->Arg(1'000'000)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1)
        ->UseRealTime();
  }
  for (auto [name, fn] : cases) {
    auto* b = benchmark::RegisterBenchmark(name, fn);
    b->Arg(100'000)->Arg(1'000'000);
    if (kLarge) b->Arg(10'000'000);
    b->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
    if (fn == BM_StoreReopenRewritten) {
      b->Setup(rewritten_setup)->Teardown(reopen_teardown);
    } else if (fn != BM_StoreRebuildMemory) {
      b->Setup(reopen_setup)->Teardown(reopen_teardown);
    }
  }
  return true;
}();

}  // namespace
