// Event store benchmarks: each scenario is written once, as a function template over a
// store-like side, and registered twice: on the Orchestrix EventStore (BM_Store*, StoreSide)
// and on a peer baseline in this file (BM_Peer*, PeerSide: unordered_map<string,
// vector<Event>> with std::string fields, one mutex).
//
// Scenarios (events are the `seed` workload's, orchestrix/seed_workload.hpp):
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
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "orchestrix/seed_workload.hpp"

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

// Peer snapshots: a map of stream -> (version, state) strings under a mutex of its own.
class PeerSnapshots {
 public:
  void save(std::string_view stream, std::uint64_t version, const std::string& state) {
    std::lock_guard lock(mu_);
    map_[std::string(stream)] = {version, state};
  }
  std::pair<std::uint64_t, std::string> load(std::string_view stream) const {
    std::lock_guard lock(mu_);
    return map_.find(std::string(stream))->second;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::pair<std::uint64_t, std::string>> map_;
};

}  // namespace orchestrix::bench

namespace {

using orchestrix::EventData;
using orchestrix::EventStore;
using orchestrix::EventView;
using orchestrix::SeedWorkload;
using orchestrix::WorkloadBatch;
using orchestrix::bench::g_peer_bytes;
using orchestrix::bench::PeerEvent;
using orchestrix::bench::PeerSnapshots;
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

std::vector<std::string> stream_names(int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back(stream_name(static_cast<std::uint64_t>(i)));
  return names;
}

void consume(const EventView& e) {
  benchmark::DoNotOptimize(e.id());
  benchmark::DoNotOptimize(e.type().size());
  benchmark::DoNotOptimize(e.data().data());
  benchmark::DoNotOptimize(e.time());
}

void consume(const PeerEvent& e) {
  benchmark::DoNotOptimize(e.id.data());
  benchmark::DoNotOptimize(e.data.data());
}

// ---- the two sides ------------------------------------------------------------------------
// A side: append(stream, events); read(stream, from) consuming every event; save_snapshot /
// load_snapshot of a stream's state, after prepare_snapshots(stream, events); bytes_per_event()
// held now.

// The Orchestrix store over an instrumented resource, so bytes per event is exact.
struct StoreSide {
  orchestrix::alloc::InstrumentedResource memory{orchestrix::alloc::system_resource()};
  EventStore store{{.memory = &memory}};

  void append(std::string_view stream, std::span<const EventData> events) {
    store.append(stream, events);
  }
  void read(std::string_view stream, std::uint64_t from = 0) const {
    for (const EventView& e : store.read(stream, from)) consume(e);
  }
  // A snapshot needs its stream's versions: append them.
  void prepare_snapshots(std::string_view stream, std::span<const EventData> events) {
    store.append(stream, events);
  }
  void save_snapshot(std::string_view stream, std::uint64_t version, const std::string& state) {
    store.save_snapshot(stream, {version, "Aggregate", std::as_bytes(std::span(state))});
  }
  void load_snapshot(std::string_view stream) const {
    auto s = store.load_snapshot(stream);
    benchmark::DoNotOptimize(s->state().data());
  }
  double bytes_per_event() const { return store.memory_stats().bytes_per_event(); }
};

// The peer. Its counting allocator is global: the bytes are those of every live peer, and each
// scenario keeps one peer alive when it reports.
struct PeerSide {
  PeerStore peer;
  PeerSnapshots snapshots;

  void append(std::string_view stream, std::span<const EventData> events) {
    peer.append(stream, events);
  }
  void read(std::string_view stream, std::uint64_t from = 0) const {
    for (const auto& e : peer.load(stream, from)) consume(e);
  }
  // The peer's snapshot map does not look at events: nothing to prepare.
  void prepare_snapshots(std::string_view, std::span<const EventData>) {}
  void save_snapshot(std::string_view stream, std::uint64_t version, const std::string& state) {
    snapshots.save(stream, version, state);
  }
  void load_snapshot(std::string_view stream) const {
    auto copy = snapshots.load(stream);
    benchmark::DoNotOptimize(copy.second.data());
  }
  double bytes_per_event() const {
    return peer.events() == 0
               ? 0.0
               : static_cast<double>(g_peer_bytes.load()) / static_cast<double>(peer.events());
  }
};

template <class Side>
void report(benchmark::State& state, const Side& side, std::uint64_t events) {
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.counters["bytes_per_event"] = side.bytes_per_event();
}

// ---- single event -------------------------------------------------------------------------

template <class Side>
void SaveSingleEvent(benchmark::State& state) {
  auto side = std::make_unique<Side>();
  SeedBatch one(1);
  EventData event = one.events()[0];
  event.id.reset();
  const std::span<const EventData> events(&event, 1);
  const std::vector<std::string> names = stream_names(1000);
  std::uint64_t i = 0;
  for (auto _ : state) side->append(names[i++ % 1000], events);
  report(state, *side, i);
}

template <class Side>
void LoadSingleEvent(benchmark::State& state) {
  Side side;
  SeedBatch one(1);
  const std::vector<std::string> names = stream_names(1000);
  for (const std::string& name : names) side.append(name, one.events());
  std::uint64_t i = 0;
  for (auto _ : state) side.read(names[i++ % 1000]);
  report(state, side, i);
}

// ---- batches ------------------------------------------------------------------------------

constexpr std::uint64_t kMaxHeldEvents = 500'000;  // recreate the side past this

template <class Side>
void SaveBatch(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  SeedBatch batch(n);
  auto side = std::make_unique<Side>();
  std::uint64_t stream = 0;
  std::uint64_t total = 0;
  for (auto _ : state) {
    if ((stream + 1) * n > kMaxHeldEvents) {
      state.PauseTiming();
      side = std::make_unique<Side>();
      stream = 0;
      state.ResumeTiming();
    }
    side->append(stream_name(stream++), batch.events());
    total += n;
  }
  report(state, *side, total);
}

template <class Side>
void LoadBatch(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  SeedBatch batch(n);
  Side side;
  side.append("agg", batch.events());
  std::uint64_t total = 0;
  for (auto _ : state) {
    side.read("agg");
    total += n;
  }
  report(state, side, total);
}

template <class Side>
void PartialLoad(benchmark::State& state) {
  SeedBatch batch(10'000);
  Side side;
  side.append("agg", batch.events());
  std::uint64_t total = 0;
  for (auto _ : state) {
    side.read("agg", 9'000);
    total += 1'000;
  }
  report(state, side, total);
}

// ---- snapshots ----------------------------------------------------------------------------

template <class Side>
void SnapshotSave(benchmark::State& state) {
  SeedBatch batch(100);
  Side side;
  side.prepare_snapshots("agg", batch.events());
  const std::string blob(200, 's');
  for (auto _ : state) side.save_snapshot("agg", 100, blob);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Side>
void SnapshotLoad(benchmark::State& state) {
  SeedBatch batch(100);
  Side side;
  side.prepare_snapshots("agg", batch.events());
  side.save_snapshot("agg", 100, std::string(200, 's'));
  for (auto _ : state) side.load_snapshot("agg");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// ---- many aggregates ----------------------------------------------------------------------

template <class Side>
void MultipleAggregates(benchmark::State& state) {
  SeedBatch batch(10);
  const std::vector<std::string> names = stream_names(100);
  std::uint64_t total = 0;
  double bpe = 0;
  for (auto _ : state) {
    Side side;
    for (const auto& n : names) side.append(n, batch.events());
    for (const auto& n : names) side.read(n);
    total += 1000;
    bpe = side.bytes_per_event();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
  state.counters["bytes_per_event"] = bpe;
}

// ---- concurrency --------------------------------------------------------------------------

// One side shared by all threads: thread 0 makes it before the threads start their loops.
template <class Side>
std::unique_ptr<Side> g_shared;

template <class Side>
void ConcurrentAppend(benchmark::State& state) {
  if (state.thread_index() == 0) g_shared<Side> = std::make_unique<Side>();
  SeedBatch batch(100, 42 + static_cast<std::uint64_t>(state.thread_index()));
  const std::uint64_t base = static_cast<std::uint64_t>(state.thread_index()) << 32;
  std::uint64_t i = 0;
  for (auto _ : state) g_shared<Side>->append(stream_name(base + i++), batch.events());
  state.SetItemsProcessed(static_cast<std::int64_t>(i * 100));
  if (state.thread_index() == 0) {
    state.counters["bytes_per_event"] = g_shared<Side>->bytes_per_event();
  }
}

// ---- registration -------------------------------------------------------------------------

using Scenario = void (*)(benchmark::State&);
using Settings = std::function<void(benchmark::internal::Benchmark*)>;

void add(const std::string& name, Scenario scenario, const Settings& settings) {
  benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark(name.c_str(), scenario);
  if (settings) settings(b);
}

// BM_Store<name> then BM_Peer<name>, with the same settings.
void both(const std::string& name, Scenario store, Scenario peer, const Settings& settings = {}) {
  add("BM_Store" + name, store, settings);
  add("BM_Peer" + name, peer, settings);
}

const bool kRegistered = [] {
  const Settings batch_sizes = [](auto* b) { b->Arg(100)->Arg(1000)->Arg(10000); };
  both("SaveSingleEvent", SaveSingleEvent<StoreSide>, SaveSingleEvent<PeerSide>);
  both("LoadSingleEvent", LoadSingleEvent<StoreSide>, LoadSingleEvent<PeerSide>);
  both("SaveBatch", SaveBatch<StoreSide>, SaveBatch<PeerSide>, batch_sizes);
  both("LoadBatch", LoadBatch<StoreSide>, LoadBatch<PeerSide>, batch_sizes);
  both("PartialLoad", PartialLoad<StoreSide>, PartialLoad<PeerSide>);
  add("BM_StoreSnapshotSave", SnapshotSave<StoreSide>, {});
  add("BM_StoreSnapshotLoad", SnapshotLoad<StoreSide>, {});
  add("BM_PeerSnapshotSave", SnapshotSave<PeerSide>, {});
  add("BM_PeerSnapshotLoad", SnapshotLoad<PeerSide>, {});
  both("MultipleAggregates", MultipleAggregates<StoreSide>, MultipleAggregates<PeerSide>);
  both("ConcurrentAppend", ConcurrentAppend<StoreSide>, ConcurrentAppend<PeerSide>,
       [](auto* b) { b->Threads(1)->Threads(2)->UseRealTime(); });
  return true;
}();

// ---- compaction (the store only) -----------------------------------------------------------

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
