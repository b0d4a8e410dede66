// Event store benchmarks, mirroring the original benchmark list (seed-benchmarks-README.md),
// each scenario run on the Orchestrix EventStore (BM_Store*) and on a peer baseline in this
// file (BM_Peer*: unordered_map<string, vector<Event>> with std::string fields, one mutex).
//
// Scenarios (events are the `seed` workload's, workloads.md):
//   SaveSingleEvent        append 1 event without an id (cycling over 1,000 streams; the id is
//                          generated, so no append is an idempotent retry of the previous one)
//   LoadSingleEvent        read a 1-event stream (of 1,000)
//   SaveBatch/N            append a batch of N = 100, 1,000, 10,000 events to a new stream
//   LoadBatch/N            read a whole N-event stream
//   PartialLoad            read versions 9,000..9,999 of a 10,000-event stream
//   SnapshotSave/Load      save / load a 200-byte snapshot
//   MultipleAggregates     append 10 events to each of 100 streams, then read all of them
//   ConcurrentAppend       1 and 2 threads appending 100-event batches to their own streams
//   StoreCompact           compact() after snapshotting every stream of 100k seed events at its
//                          head keeping 20 events before it (80% dead); counters: bytes moved
//                          per second, bytes retired (no peer: the peer cannot give memory back)
// Counters: events/s (items_per_second) and bytes_per_event: bytes held (through the store's
// instrumented resource / the peer's counting allocator) per event held, at the end of the run.
// Reads consume every field (the peer copies events out, as its load() returns a vector).
//
// Run: build/release/bench/bench_store --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "orchestrix/workload.hpp"

namespace orchestrix::bench {

inline std::atomic<std::int64_t> g_peer_bytes{0};

template <class T>
struct CountingAllocator {
  using value_type = T;
  CountingAllocator() noexcept = default;
  template <class U>
  CountingAllocator(const CountingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    g_peer_bytes.fetch_add(static_cast<std::int64_t>(n * sizeof(T)), std::memory_order_relaxed);
    return std::allocator<T>{}.allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    g_peer_bytes.fetch_sub(static_cast<std::int64_t>(n * sizeof(T)), std::memory_order_relaxed);
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const CountingAllocator<U>&) const noexcept {
    return true;
  }
};

using PeerString = std::basic_string<char, std::char_traits<char>, CountingAllocator<char>>;

struct PeerEvent {
  PeerString id;  // canonical 36-character text, as a typical store keeps it
  PeerString type;
  PeerString source;
  PeerString content_type;
  PeerString data;
  std::int64_t time = 0;
  std::uint64_t version = 0;
  std::uint64_t position = 0;
};

struct PeerStringHash {
  std::size_t operator()(const PeerString& s) const noexcept {
    return std::hash<std::string_view>{}(std::string_view(s));
  }
};

// One mutex around everything, as such stores usually have.
class PeerStore {
 public:
  void append(std::string_view stream, std::span<const EventData> events) {
    std::lock_guard lock(mu_);
    auto& v = streams_[PeerString(stream)];
    for (const EventData& e : events) {
      PeerEvent p;
      char id[36];
      (e.id ? *e.id : Uuid::v4()).write_to(id);
      p.id.assign(id, 36);
      p.type.assign(e.type);
      p.source.assign(e.source);
      p.content_type.assign(e.content_type);
      p.data.assign(reinterpret_cast<const char*>(e.data.data()), e.data.size());
      p.time = e.time ? e.time->unix_nanos() : Timestamp::now().unix_nanos();
      p.version = v.size();
      p.position = next_position_++;
      v.push_back(std::move(p));
    }
  }
  // Copies the events out, as a typical load() returning a vector does.
  std::vector<PeerEvent, CountingAllocator<PeerEvent>> load(std::string_view stream,
                                                            std::uint64_t from = 0) const {
    std::lock_guard lock(mu_);
    auto it = streams_.find(PeerString(stream));
    if (it == streams_.end() || from >= it->second.size()) return {};
    return {it->second.begin() + static_cast<std::ptrdiff_t>(from), it->second.end()};
  }
  std::uint64_t events() const { return next_position_; }

 private:
  mutable std::mutex mu_;
  std::unordered_map<PeerString, std::vector<PeerEvent, CountingAllocator<PeerEvent>>,
                     PeerStringHash, std::equal_to<>,
                     CountingAllocator<std::pair<
                         const PeerString, std::vector<PeerEvent, CountingAllocator<PeerEvent>>>>>
      streams_;
  std::uint64_t next_position_ = 0;
};

}  // namespace orchestrix::bench

namespace {

using orchestrix::EventData;
using orchestrix::EventStore;
using orchestrix::EventView;
using orchestrix::Position;
using orchestrix::SeedWorkload;
using orchestrix::WorkloadBatch;
using orchestrix::bench::g_peer_bytes;
using orchestrix::bench::PeerStore;

// A batch of n seed events, owned.
struct SeedBatch {
  SeedWorkload workload;
  WorkloadBatch batch;
  explicit SeedBatch(std::uint32_t n, std::uint64_t seed = 42)
      : workload({.events = n,
                  .events_per_stream = n,
                  .seed = seed,
                  .wall_clock = orchestrix::WallClock::kYes}) {
    workload.next(batch);
  }
  std::span<const EventData> events() const { return batch.events; }
};

std::string stream_name(std::uint64_t i) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof(buf), "agg-%llu", static_cast<unsigned long long>(i));
  return std::string(buf, static_cast<std::size_t>(n));
}

// A store over an instrumented resource, so bytes per event is exact.
struct StoreFixture {
  orchestrix::alloc::InstrumentedResource memory{orchestrix::alloc::system_resource()};
  EventStore store{{.memory = &memory}};
};

void consume(const EventView& e) {
  benchmark::DoNotOptimize(e.id());
  benchmark::DoNotOptimize(e.type().size());
  benchmark::DoNotOptimize(e.data().data());
  benchmark::DoNotOptimize(e.time());
}

void consume(const orchestrix::bench::PeerEvent& e) {
  benchmark::DoNotOptimize(e.id.data());
  benchmark::DoNotOptimize(e.data.data());
}

void report_store(benchmark::State& state, const EventStore& store, std::uint64_t events) {
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.counters["bytes_per_event"] = store.memory_stats().bytes_per_event();
}

void report_peer(benchmark::State& state, const PeerStore& peer, std::uint64_t events) {
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.counters["bytes_per_event"] =
      peer.events() == 0
          ? 0.0
          : static_cast<double>(g_peer_bytes.load()) / static_cast<double>(peer.events());
}

// ---- single event -------------------------------------------------------------------------

void BM_StoreSaveSingleEvent(benchmark::State& state) {
  auto f = std::make_unique<StoreFixture>();
  SeedBatch one(1);
  EventData event = one.events()[0];
  event.id.reset();
  const std::span<const EventData> events(&event, 1);
  std::vector<std::string> names;
  for (int i = 0; i < 1000; ++i) names.push_back(stream_name(static_cast<std::uint64_t>(i)));
  std::uint64_t i = 0;
  for (auto _ : state) f->store.append(names[i++ % 1000], events);
  report_store(state, f->store, i);
}
BENCHMARK(BM_StoreSaveSingleEvent);

void BM_PeerSaveSingleEvent(benchmark::State& state) {
  auto peer = std::make_unique<PeerStore>();
  SeedBatch one(1);
  EventData event = one.events()[0];
  event.id.reset();
  const std::span<const EventData> events(&event, 1);
  std::vector<std::string> names;
  for (int i = 0; i < 1000; ++i) names.push_back(stream_name(static_cast<std::uint64_t>(i)));
  std::uint64_t i = 0;
  for (auto _ : state) peer->append(names[i++ % 1000], events);
  report_peer(state, *peer, i);
}
BENCHMARK(BM_PeerSaveSingleEvent);

void BM_StoreLoadSingleEvent(benchmark::State& state) {
  StoreFixture f;
  SeedBatch one(1);
  std::vector<std::string> names;
  for (int i = 0; i < 1000; ++i) {
    names.push_back(stream_name(static_cast<std::uint64_t>(i)));
    f.store.append(names.back(), one.events());
  }
  std::uint64_t i = 0;
  for (auto _ : state) {
    for (const EventView& e : f.store.read(names[i++ % 1000])) consume(e);
  }
  report_store(state, f.store, i);
}
BENCHMARK(BM_StoreLoadSingleEvent);

void BM_PeerLoadSingleEvent(benchmark::State& state) {
  PeerStore peer;
  SeedBatch one(1);
  std::vector<std::string> names;
  for (int i = 0; i < 1000; ++i) {
    names.push_back(stream_name(static_cast<std::uint64_t>(i)));
    peer.append(names.back(), one.events());
  }
  std::uint64_t i = 0;
  for (auto _ : state) {
    for (const auto& e : peer.load(names[i++ % 1000])) consume(e);
  }
  report_peer(state, peer, i);
}
BENCHMARK(BM_PeerLoadSingleEvent);

// ---- batches ------------------------------------------------------------------------------

constexpr std::uint64_t kMaxHeldEvents = 500'000;  // recreate the store past this

void BM_StoreSaveBatch(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  SeedBatch batch(n);
  auto f = std::make_unique<StoreFixture>();
  std::uint64_t stream = 0;
  std::uint64_t total = 0;
  for (auto _ : state) {
    if ((stream + 1) * n > kMaxHeldEvents) {
      state.PauseTiming();
      f = std::make_unique<StoreFixture>();
      stream = 0;
      state.ResumeTiming();
    }
    f->store.append(stream_name(stream++), batch.events());
    total += n;
  }
  report_store(state, f->store, total);
}
BENCHMARK(BM_StoreSaveBatch)->Arg(100)->Arg(1000)->Arg(10000);

void BM_PeerSaveBatch(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  SeedBatch batch(n);
  auto peer = std::make_unique<PeerStore>();
  std::uint64_t stream = 0;
  std::uint64_t total = 0;
  for (auto _ : state) {
    if ((stream + 1) * n > kMaxHeldEvents) {
      state.PauseTiming();
      peer = std::make_unique<PeerStore>();
      stream = 0;
      state.ResumeTiming();
    }
    peer->append(stream_name(stream++), batch.events());
    total += n;
  }
  report_peer(state, *peer, total);
}
BENCHMARK(BM_PeerSaveBatch)->Arg(100)->Arg(1000)->Arg(10000);

void BM_StoreLoadBatch(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  SeedBatch batch(n);
  StoreFixture f;
  f.store.append("agg", batch.events());
  std::uint64_t total = 0;
  for (auto _ : state) {
    for (const EventView& e : f.store.read("agg")) consume(e);
    total += n;
  }
  report_store(state, f.store, total);
}
BENCHMARK(BM_StoreLoadBatch)->Arg(100)->Arg(1000)->Arg(10000);

void BM_PeerLoadBatch(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  SeedBatch batch(n);
  PeerStore peer;
  peer.append("agg", batch.events());
  std::uint64_t total = 0;
  for (auto _ : state) {
    for (const auto& e : peer.load("agg")) consume(e);
    total += n;
  }
  report_peer(state, peer, total);
}
BENCHMARK(BM_PeerLoadBatch)->Arg(100)->Arg(1000)->Arg(10000);

void BM_StorePartialLoad(benchmark::State& state) {
  SeedBatch batch(10'000);
  StoreFixture f;
  f.store.append("agg", batch.events());
  std::uint64_t total = 0;
  for (auto _ : state) {
    for (const EventView& e : f.store.read("agg", 9'000)) consume(e);
    total += 1'000;
  }
  report_store(state, f.store, total);
}
BENCHMARK(BM_StorePartialLoad);

void BM_PeerPartialLoad(benchmark::State& state) {
  SeedBatch batch(10'000);
  PeerStore peer;
  peer.append("agg", batch.events());
  std::uint64_t total = 0;
  for (auto _ : state) {
    for (const auto& e : peer.load("agg", 9'000)) consume(e);
    total += 1'000;
  }
  report_peer(state, peer, total);
}
BENCHMARK(BM_PeerPartialLoad);

// ---- snapshots ----------------------------------------------------------------------------

void BM_StoreSnapshotSave(benchmark::State& state) {
  SeedBatch batch(100);
  StoreFixture f;
  f.store.append("agg", batch.events());
  const std::string blob(200, 's');
  const auto state_bytes = std::as_bytes(std::span<const char>(blob));
  for (auto _ : state) f.store.save_snapshot("agg", {100, "Aggregate", state_bytes});
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_StoreSnapshotSave);

void BM_StoreSnapshotLoad(benchmark::State& state) {
  SeedBatch batch(100);
  StoreFixture f;
  f.store.append("agg", batch.events());
  const std::string blob(200, 's');
  f.store.save_snapshot("agg", {100, "Aggregate", std::as_bytes(std::span<const char>(blob))});
  for (auto _ : state) {
    auto s = f.store.load_snapshot("agg");
    benchmark::DoNotOptimize(s->state().data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_StoreSnapshotLoad);

// Peer snapshots: a map of stream -> (version, type, state) strings under the same mutex.
struct PeerSnapshots {
  std::mutex mu;
  std::unordered_map<std::string, std::pair<std::uint64_t, std::string>> map;
};

void BM_PeerSnapshotSave(benchmark::State& state) {
  PeerSnapshots snaps;
  const std::string blob(200, 's');
  for (auto _ : state) {
    std::lock_guard lock(snaps.mu);
    snaps.map["agg"] = {100, blob};
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PeerSnapshotSave);

void BM_PeerSnapshotLoad(benchmark::State& state) {
  PeerSnapshots snaps;
  snaps.map["agg"] = {100, std::string(200, 's')};
  for (auto _ : state) {
    std::lock_guard lock(snaps.mu);
    auto copy = snaps.map.find("agg")->second;
    benchmark::DoNotOptimize(copy.second.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PeerSnapshotLoad);

// ---- many aggregates ----------------------------------------------------------------------

void BM_StoreMultipleAggregates(benchmark::State& state) {
  SeedBatch batch(10);
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back(stream_name(static_cast<std::uint64_t>(i)));
  std::uint64_t total = 0;
  double bpe = 0;
  for (auto _ : state) {
    StoreFixture f;
    for (const auto& n : names) f.store.append(n, batch.events());
    for (const auto& n : names) {
      for (const EventView& e : f.store.read(n)) consume(e);
    }
    total += 1000;
    bpe = f.store.memory_stats().bytes_per_event();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
  state.counters["bytes_per_event"] = bpe;
}
BENCHMARK(BM_StoreMultipleAggregates);

void BM_PeerMultipleAggregates(benchmark::State& state) {
  SeedBatch batch(10);
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back(stream_name(static_cast<std::uint64_t>(i)));
  std::uint64_t total = 0;
  double bpe = 0;
  for (auto _ : state) {
    const std::int64_t before = g_peer_bytes.load();
    PeerStore peer;
    for (const auto& n : names) peer.append(n, batch.events());
    for (const auto& n : names) {
      for (const auto& e : peer.load(n)) consume(e);
    }
    total += 1000;
    bpe = static_cast<double>(g_peer_bytes.load() - before) / 1000.0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
  state.counters["bytes_per_event"] = bpe;
}
BENCHMARK(BM_PeerMultipleAggregates);

// ---- concurrency --------------------------------------------------------------------------

std::unique_ptr<StoreFixture> g_shared_store;
std::unique_ptr<PeerStore> g_shared_peer;

void BM_StoreConcurrentAppend(benchmark::State& state) {
  if (state.thread_index() == 0) g_shared_store = std::make_unique<StoreFixture>();
  SeedBatch batch(100, 42 + static_cast<std::uint64_t>(state.thread_index()));
  const std::uint64_t base = static_cast<std::uint64_t>(state.thread_index()) << 32;
  std::uint64_t i = 0;
  for (auto _ : state) g_shared_store->store.append(stream_name(base + i++), batch.events());
  state.SetItemsProcessed(static_cast<std::int64_t>(i * 100));
  if (state.thread_index() == 0) {
    state.counters["bytes_per_event"] = g_shared_store->store.memory_stats().bytes_per_event();
  }
}
BENCHMARK(BM_StoreConcurrentAppend)->Threads(1)->Threads(2)->UseRealTime();

void BM_PeerConcurrentAppend(benchmark::State& state) {
  if (state.thread_index() == 0) g_shared_peer = std::make_unique<PeerStore>();
  SeedBatch batch(100, 42 + static_cast<std::uint64_t>(state.thread_index()));
  const std::uint64_t base = static_cast<std::uint64_t>(state.thread_index()) << 32;
  std::uint64_t i = 0;
  for (auto _ : state) g_shared_peer->append(stream_name(base + i++), batch.events());
  state.SetItemsProcessed(static_cast<std::int64_t>(i * 100));
}
BENCHMARK(BM_PeerConcurrentAppend)->Threads(1)->Threads(2)->UseRealTime();

// ---- compaction ---------------------------------------------------------------------------

void BM_StoreCompact(benchmark::State& state) {
  std::uint64_t moved = 0;
  std::uint64_t retired = 0;
  for (auto _ : state) {
    state.PauseTiming();
    orchestrix::alloc::InstrumentedResource memory(orchestrix::alloc::system_resource());
    EventStore store(
        {.memory = &memory, .retention = orchestrix::RetentionPolicy::keep_before_snapshot(20)});
    SeedWorkload w({.events = 100'000, .wall_clock = orchestrix::WallClock::kYes});
    WorkloadBatch b;
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
BENCHMARK(BM_StoreCompact)->Unit(benchmark::kMillisecond)->Iterations(10);

}  // namespace
