// bench_store_cold: reads of a log whose sealed segments are cold (StoreOptions::resident_bytes,
// docs/residency.md) against the same log all resident, in the same executable and run; with
// compression off and on. Files go through the POSIX file system into a fresh directory under
// the system's temporary directory (removed at the end).
//   BM_ColdReadAll/<compression>/<cold>     read_all over 20,000 events of ~500 bytes (about
//                                           10 MB of records; bytes_per_second: payload per
//                                           core). cold 0: resident_bytes 0 (all in memory);
//                                           1: resident_bytes 64 KiB, cache 1 MiB: nearly every
//                                           segment is read back from its file (pread) on each
//                                           pass.
//   BM_ColdStreamRead/<compression>/<cold>  one 100-event stream among 200 (its runs spread
//                                           over the whole log), cache as above; 50 other
//                                           streams are read before each timed read (untimed),
//                                           which evicts its segments from the cache.
//
// Run: build/release/bench/bench_store_cold --benchmark_repetitions=5
//      --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/event_store.hpp"

namespace {

using namespace orchestrix;

constexpr std::size_t kEvents = 20'000;
constexpr std::size_t kStreams = 200;

std::string payload(std::uint64_t i) {
  std::string s = "{\"seq\":" + std::to_string(i) + ",\"items\":[";
  std::uint64_t x = i * 2654435761U + 1;
  while (s.size() < 500) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    s += "{\"sku\":\"item-" + std::to_string(x % 997) + "\",\"qty\":" + std::to_string(x % 13) +
         "},";
  }
  s += "{}]}";
  return s;
}

std::string stream_name(std::uint64_t s) { return "order-" + std::to_string(s); }

// A store with the benchmark's log, in its own directory (removed by the destructor).
struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<EventStore> store;
  std::uint64_t payload_bytes = 0;

  Fixture(bool compression, bool cold) {
    dir = std::filesystem::temp_directory_path() /
          ("orchestrix-bench-cold-" + std::to_string(compression) + std::to_string(cold));
    std::filesystem::remove_all(dir);
    StoreOptions o;
    o.memory = alloc::system_resource();
    o.segment_bytes = 64 * 1024;
    o.compression.enabled = compression;
    o.compression.cache_bytes = 1024 * 1024;
    if (cold) {
      o.directory = dir.string();
      o.resident_bytes = 64 * 1024;
    }
    store = std::make_unique<EventStore>(o);
    for (std::uint64_t i = 0; i < kEvents; ++i) {
      const std::string p = payload(i);
      EventData e;
      e.type = "ItemAdded";
      e.source = "/shop";
      e.data = std::as_bytes(std::span<const char>(p.data(), p.size()));
      store->append(stream_name(i % kStreams), std::span<const EventData>(&e, 1));
      payload_bytes += p.size();
    }
  }
  ~Fixture() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
};

void BM_ColdReadAll(benchmark::State& state) {
  Fixture f(state.range(0) != 0, state.range(1) != 0);
  for (auto _ : state) {
    std::uint64_t n = 0;
    for (const EventView& e : f.store->read_all()) n += e.data().size();
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.payload_bytes));
  state.counters["cold_segments"] = static_cast<double>(f.store->memory_stats().cold_segments);
}
BENCHMARK(BM_ColdReadAll)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMillisecond);

void BM_ColdStreamRead(benchmark::State& state) {
  Fixture f(state.range(0) != 0, state.range(1) != 0);
  std::uint64_t s = 0;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (std::uint64_t k = 1; k <= 50; ++k) {
      for (const EventView& e : f.store->read(stream_name((s + k) % kStreams))) {
        benchmark::DoNotOptimize(e.data().size());
      }
    }
    state.ResumeTiming();
    for (const EventView& e : f.store->read(stream_name(s))) bytes += e.data().size();
    s = (s + 51) % kStreams;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_ColdStreamRead)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
