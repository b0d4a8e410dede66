// bench_store_compression: the event store with compressed sealed segments against the same
// store uncompressed, in the same executable and the same run (docs/compression.md). Events:
// the webhook sample (data/webhooks/cloudevents.jsonl, fetched by tools/dev setup; ~10 KB JSON
// each) decoded with orchestrix::cloudevents; without it, the benchmarks report an error.
//   BM_CompressionReadAll/<0|1>      read_all over 20,000 events (bytes_per_second: payload per
//                                    core; 1 = compressed, the default 8 MiB cache: every
//                                    segment is decompressed on each pass)
//   BM_CompressionStreamRead/<0|1>/<cold>  one 100-event stream (10 batches of 10 among 200
//                                    streams); cold: 50 other streams are read before each read
//                                    (untimed), which evicts its segments from the cache
//   BM_CompressionAppend/<0|1>/<level>  one event per append (items and payload bytes per
//                                    second) at a zstd level; counters p50_ns, p99_ns: append
//                                    latency at the tail, compression of the segment an append
//                                    sealed included
//   BM_CompressionRatio/<seed>/<segment KiB>/<dictionary>/<level>  bytes only: 20,000 webhook
//                                    (0) or seed (1) events; held_per_payload, held_per_event,
//                                    frame_ratio (records / frames), dictionary_bytes
//
// Run: build/release/bench/bench_store_compression --benchmark_repetitions=5
//      --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/cloudevents/attribute_blob.hpp"
#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/cloudevents_store/event_data.hpp"
#include "orchestrix/event_store.hpp"

namespace {

using namespace orchestrix;

struct Sample {
  std::string text;
  cloudevents::Decoder decoder;
  std::vector<EventData> events;
  Sample() {
    std::ifstream in(ORCHESTRIX_WEBHOOK_SAMPLE, std::ios::binary);
    if (!in) return;
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
    for (const cloudevents::CloudEvent& ce : decoder.decode_lines(text)) {
      const cloudevents::StoreFields f = cloudevents::store_fields(ce);
      EventData e = cloudevents::event_data(f);
      e.id.reset();  // fresh ids: the store assigns them
      events.push_back(e);
    }
  }
};

const Sample& sample() {
  static const Sample s;
  return s;
}

bool have_sample(benchmark::State& state) {
  if (!sample().events.empty()) return true;
  state.SkipWithError("the webhook sample is absent: run tools/dev setup");
  return false;
}

std::unique_ptr<EventStore> make_store(std::pmr::memory_resource* memory, bool compressed,
                                       int level = 3, bool dictionary = true,
                                       std::size_t segment_bytes = 256 * 1024) {
  StoreOptions o;
  o.memory = memory;
  o.segment_bytes = segment_bytes;
  o.compression.enabled = compressed;
  o.compression.level = level;
  o.compression.dictionary = dictionary;
  return std::make_unique<EventStore>(o);
}

void BM_CompressionReadAll(benchmark::State& state) {
  if (!have_sample(state)) return;
  alloc::InstrumentedResource memory(alloc::system_resource());
  auto store = make_store(&memory, state.range(0) != 0);
  const auto& events = sample().events;
  std::uint64_t payload = 0;
  for (std::size_t i = 0; i < 20'000; ++i) {
    const EventData& e = events[i % events.size()];
    store->append(std::to_string(i % 1000), std::span<const EventData>(&e, 1));
    payload += e.data.size();
  }
  for (auto _ : state) {
    std::uint64_t bytes = 0;
    for (const EventView& v : store->read_all()) bytes += v.data().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(payload * state.iterations()));
  state.SetItemsProcessed(static_cast<std::int64_t>(20'000 * state.iterations()));
  state.counters["held_MB"] =
      static_cast<double>(store->memory_stats().total_bytes()) / (1024.0 * 1024.0);
}

void BM_CompressionStreamRead(benchmark::State& state) {
  if (!have_sample(state)) return;
  alloc::InstrumentedResource memory(alloc::system_resource());
  auto store = make_store(&memory, state.range(0) != 0);
  const bool cold = state.range(1) != 0;
  const auto& events = sample().events;
  std::vector<EventData> batch(10);
  std::size_t k = 0;
  for (int round = 0; round < 10; ++round) {
    for (int s = 0; s < 200; ++s) {
      for (auto& e : batch) e = events[k++ % events.size()];
      store->append(std::to_string(s), batch);
    }
  }
  for (const EventView& v : store->read("100")) benchmark::DoNotOptimize(v);  // warm: cached
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      // Read 50 other streams (500 other segments): the stream's segments are evicted.
      for (int s = 0; s < 50; ++s) {
        for (const EventView& v : store->read(std::to_string(s))) benchmark::DoNotOptimize(v);
      }
      state.ResumeTiming();
    }
    std::uint64_t bytes = 0;
    for (const EventView& v : store->read("100")) bytes += v.data().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(100 * state.iterations()));
}

void BM_CompressionAppend(benchmark::State& state) {
  if (!have_sample(state)) return;
  const auto& events = sample().events;
  std::vector<double> latencies;
  latencies.reserve(1 << 20);
  std::uint64_t payload = 0;
  std::uint64_t appended = 0;
  for (auto _ : state) {
    state.PauseTiming();
    alloc::InstrumentedResource memory(alloc::system_resource());
    auto store = make_store(&memory, state.range(0) != 0, static_cast<int>(state.range(1)));
    state.ResumeTiming();
    for (std::size_t i = 0; i < 10'000; ++i) {
      const EventData& e = events[i % events.size()];
      const auto t0 = std::chrono::steady_clock::now();
      store->append(std::to_string(i % 100), std::span<const EventData>(&e, 1));
      const auto t1 = std::chrono::steady_clock::now();
      latencies.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
      payload += e.data.size();
    }
    appended += 10'000;
    state.PauseTiming();
    store.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(appended));
  state.SetBytesProcessed(static_cast<std::int64_t>(payload));
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    state.counters["p50_ns"] = latencies[latencies.size() / 2];
    state.counters["p99_ns"] = latencies[latencies.size() * 99 / 100];
  }
}

BENCHMARK(BM_CompressionReadAll)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompressionStreamRead)
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(200);
BENCHMARK(BM_CompressionAppend)
    ->Args({0, 3})
    ->Args({1, 3})
    ->Args({1, 1})
    ->Args({1, -1})
    ->Args({1, -4})
    ->Args({1, -7})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

// Bytes only (the time is not the point): 20,000 events appended, then the ratios.
void BM_CompressionRatio(benchmark::State& state) {
  const bool seed = state.range(0) != 0;
  if (!seed && !have_sample(state)) return;
  const auto& events = sample().events;
  std::uint64_t payload = 0;
  double held = 0;
  double frames = 0;
  double dictionary = 0;
  for (auto _ : state) {
    alloc::InstrumentedResource memory(alloc::system_resource());
    auto store = make_store(&memory, true, static_cast<int>(state.range(3)), state.range(2) != 0,
                            static_cast<std::size_t>(state.range(1)) * 1024);
    payload = 0;
    std::string seed_data;
    for (std::size_t i = 0; i < 20'000; ++i) {
      EventData e;
      if (seed) {
        seed_data = "{\"value\":" + std::to_string(i % 1000) + "}";
        e.type = "Seeded";
        e.data = std::as_bytes(std::span<const char>(seed_data.data(), seed_data.size()));
      } else {
        e = events[i % events.size()];
      }
      store->append(std::to_string(i % 100), std::span<const EventData>(&e, 1));
      payload += e.data.size();
    }
    const StoreMemoryStats m = store->memory_stats();
    held = static_cast<double>(m.total_bytes());
    frames = static_cast<double>(m.compressed_bytes + m.compression_saved_bytes) /
             static_cast<double>(m.compressed_bytes == 0 ? 1 : m.compressed_bytes);
    dictionary = static_cast<double>(m.dictionary_bytes);
  }
  // held_per_payload: all bytes held / payload bytes; frame_ratio: record bytes of the
  // compressed segments / their frames; held_per_event: bytes held per event.
  state.counters["held_per_payload"] = held / static_cast<double>(payload);
  state.counters["held_per_event"] = held / 20'000.0;
  state.counters["frame_ratio"] = frames;
  state.counters["dictionary_bytes"] = dictionary;
}
// Args: events (0 webhook sample, 1 seed), segment KiB, dictionary (0/1), level.
BENCHMARK(BM_CompressionRatio)
    ->ArgsProduct({{0, 1}, {64, 256}, {0, 1}, {3}})
    ->Args({0, 256, 0, 1})
    ->Args({0, 256, 0, -1})
    ->Args({0, 256, 0, -4})
    ->Args({0, 256, 0, -7})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
