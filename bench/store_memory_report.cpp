// store_memory_report: prints where an EventStore's bytes go on the `seed` workload, then what
// compaction gives back and costs: (1) snapshot every stream at its head keeping the 20 events
// before it (80% of the records die; compaction moves the other 20%), (2) switch every stream
// to drop-before and snapshot again (everything dies; compaction moves nothing). The figures of
// docs/measurements/store-bench.md come from this program:
//
//   build/release/bench/store_memory_report [events=1000000] [segment_bytes=262144]
//   build/release/bench/store_memory_report mixed [events=1000000] [segment_bytes=262144]
//
// The `mixed` form loads the mixed workload (workload.hpp) and prints its breakdown only.
//
// Memory is measured through an orchestrix::alloc::InstrumentedResource over the system
// (malloc) resource; memory_stats() must agree with it exactly (the program checks and says).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "orchestrix/workload.hpp"

namespace {

void print(const orchestrix::StoreMemoryStats& m, std::uint64_t held) {
  std::printf("  %-24s %14s %10s\n", "category", "bytes", "per event");
  const double n = static_cast<double>(m.appended_events);
  m.for_each_field([&](std::string_view name, std::string_view, std::uint64_t v) {
    std::printf("  %-24.*s %14llu %10.2f\n", static_cast<int>(name.size()), name.data(),
                static_cast<unsigned long long>(v), static_cast<double>(v) / n);
  });
  std::printf("  %-24s %14llu %10.2f\n", "total", static_cast<unsigned long long>(m.total_bytes()),
              static_cast<double>(m.total_bytes()) / n);
  std::printf("  instrumented live bytes: %llu (%s memory_stats)\n",
              static_cast<unsigned long long>(held),
              held == m.total_bytes() ? "equals" : "DIFFERS FROM");
  std::printf("  live events %llu, streams %llu, segments %llu, bytes per live event %.2f\n",
              static_cast<unsigned long long>(m.live_events),
              static_cast<unsigned long long>(m.streams),
              static_cast<unsigned long long>(m.segments), m.bytes_per_event());
}

int mixed_report(std::uint64_t events, std::size_t segment_bytes) {
  orchestrix::alloc::InstrumentedResource memory(orchestrix::alloc::system_resource());
  orchestrix::EventStore store({.memory = &memory, .segment_bytes = segment_bytes});
  orchestrix::MixedWorkload workload({.events = events, .wall_clock = orchestrix::WallClock::kYes});
  orchestrix::WorkloadBatch batch;
  std::uint64_t payload = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (workload.next(batch)) {
    for (const auto& e : batch.events) payload += e.data.size();
    store.append(batch.stream, batch.events);
  }
  const auto t1 = std::chrono::steady_clock::now();
  std::printf("mixed workload, %llu events, segment_bytes %zu, mean payload %.1f bytes\n",
              static_cast<unsigned long long>(events), segment_bytes,
              static_cast<double>(payload) / static_cast<double>(events));
  std::printf("append (generation included): %.2f M events/s\n",
              static_cast<double>(events) / std::chrono::duration<double>(t1 - t0).count() / 1e6);
  const orchestrix::StoreMemoryStats m = store.memory_stats();
  print(m, memory.bytes_live());
  std::printf("  overhead beyond the payload bytes: %.2f bytes per event\n",
              static_cast<double>(m.total_bytes() - payload) / static_cast<double>(events));
  return memory.bytes_live() == m.total_bytes() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "mixed") {
    return mixed_report(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1'000'000,
                        argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 256 * 1024);
  }
  const std::uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const std::size_t segment_bytes = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 256 * 1024;
  orchestrix::alloc::InstrumentedResource memory(orchestrix::alloc::system_resource());
  orchestrix::EventStore store(
      {.memory = &memory,
       .segment_bytes = segment_bytes,
       .retention = orchestrix::RetentionPolicy::keep_before_snapshot(20)});
  orchestrix::SeedWorkload workload({.events = events, .wall_clock = orchestrix::WallClock::kYes});
  orchestrix::WorkloadBatch batch;
  const auto t0 = std::chrono::steady_clock::now();
  while (workload.next(batch)) store.append(batch.stream, batch.events);
  const auto t1 = std::chrono::steady_clock::now();
  std::printf("seed workload, %llu events, segment_bytes %zu\n",
              static_cast<unsigned long long>(events), segment_bytes);
  std::printf("append (generation included): %.2f M events/s\n",
              static_cast<double>(events) / std::chrono::duration<double>(t1 - t0).count() / 1e6);
  print(store.memory_stats(), memory.bytes_live());

  std::uint64_t read = 0;
  const auto r0 = std::chrono::steady_clock::now();
  for (const orchestrix::EventView& e : store.read_all()) read += e.data().size() != 0;
  const auto r1 = std::chrono::steady_clock::now();
  std::printf("read_all: %.2f M events/s (%llu events)\n",
              static_cast<double>(read) / std::chrono::duration<double>(r1 - r0).count() / 1e6,
              static_cast<unsigned long long>(read));

  const std::uint64_t before = memory.bytes_live();
  workload.reset();
  while (workload.next(batch)) {
    store.save_snapshot(batch.stream, {batch.events.size(), "BenchmarkAggregate", {}});
  }
  auto c0 = std::chrono::steady_clock::now();
  orchestrix::CompactionResult r = store.compact();
  auto c1 = std::chrono::steady_clock::now();
  double ms = std::chrono::duration<double, std::milli>(c1 - c0).count();
  std::printf("\n(1) snapshot of every stream at its head, keep_before_snapshot(20), compact():\n");
  print(store.memory_stats(), memory.bytes_live());
  std::printf(
      "  held %llu -> %llu bytes (%.1f%% of before); %llu segments retired, %llu written;"
      " %.2f MB moved in %.2f ms = %.2f ms per MB moved\n",
      static_cast<unsigned long long>(before), static_cast<unsigned long long>(memory.bytes_live()),
      100.0 * static_cast<double>(memory.bytes_live()) / static_cast<double>(before),
      static_cast<unsigned long long>(r.segments_retired),
      static_cast<unsigned long long>(r.segments_written),
      static_cast<double>(r.live_bytes_moved) / 1e6, ms,
      ms / (static_cast<double>(r.live_bytes_moved) / 1e6));

  workload.reset();
  while (workload.next(batch)) {
    store.set_retention(batch.stream, orchestrix::RetentionPolicy::drop_before_snapshot());
    store.save_snapshot(batch.stream, {batch.events.size(), "BenchmarkAggregate", {}});
  }
  c0 = std::chrono::steady_clock::now();
  r = store.compact();
  c1 = std::chrono::steady_clock::now();
  ms = std::chrono::duration<double, std::milli>(c1 - c0).count();
  std::printf("\n(2) then drop_before_snapshot on every stream, snapshot again, compact():\n");
  print(store.memory_stats(), memory.bytes_live());
  std::printf(
      "  held %llu -> %llu bytes (%.1f%% of the full store); %llu segments retired in"
      " %.2f ms\n",
      static_cast<unsigned long long>(before), static_cast<unsigned long long>(memory.bytes_live()),
      100.0 * static_cast<double>(memory.bytes_live()) / static_cast<double>(before),
      static_cast<unsigned long long>(r.segments_retired), ms);
  return memory.bytes_live() == store.memory_stats().total_bytes() ? 0 : 1;
}
