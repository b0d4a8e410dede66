// The four sides of bench_store, one store-like interface each:
//   StoreSide   the Orchestrix EventStore over InstrumentedResource(CountedResource(system))
//   MapSide     the hand-written map peer (store_map_peer.hpp)
//   SqliteSide  SQLite in memory (store_sqlite_peer.hpp)
//   LmdbSide    LMDB on tmpfs (store_lmdb_peer.hpp)
// A side: append(stream, events); read(stream, from) consuming every field of every event;
// prepare_snapshots(stream, events) then save_snapshot / load_snapshot of a 200-byte state;
// bytes_per_event() held now (the store's resource / the map's counting allocator / SQLite's
// heap / LMDB's pages in use, divided by the events held).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "alloc_count.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/event_store.hpp"
#include "store_lmdb_peer.hpp"
#include "store_map_peer.hpp"
#include "store_sqlite_peer.hpp"

namespace orchestrix::bench {

inline void consume(const EventView& e) {
  benchmark::DoNotOptimize(e.id());
  benchmark::DoNotOptimize(e.version());
  benchmark::DoNotOptimize(e.position());
  benchmark::DoNotOptimize(e.type().data());
  benchmark::DoNotOptimize(e.source().data());
  benchmark::DoNotOptimize(e.content_type().data());
  benchmark::DoNotOptimize(e.data().data());
  benchmark::DoNotOptimize(e.time());
}

// The map peer's events are copies: reading their fields is what a caller does with them.
inline void consume(const MapEvent& e) {
  benchmark::DoNotOptimize(e.id.data());
  benchmark::DoNotOptimize(e.version);
  benchmark::DoNotOptimize(e.position);
  benchmark::DoNotOptimize(e.type.data());
  benchmark::DoNotOptimize(e.source.data());
  benchmark::DoNotOptimize(e.content_type.data());
  benchmark::DoNotOptimize(e.data.data());
  benchmark::DoNotOptimize(e.time);
}

template <class Row>
void consume_row(const Row& e) {
  benchmark::DoNotOptimize(e.id.data());
  benchmark::DoNotOptimize(e.version);
  benchmark::DoNotOptimize(e.position);
  benchmark::DoNotOptimize(e.type.data());
  benchmark::DoNotOptimize(e.source.data());
  benchmark::DoNotOptimize(e.content_type.data());
  benchmark::DoNotOptimize(e.data.data());
  benchmark::DoNotOptimize(e.time);
}

inline double per_event(double bytes, std::uint64_t events) {
  return events == 0 ? 0.0 : bytes / static_cast<double>(events);
}

struct StoreSide {
  CountedResource counted{alloc::system_resource()};
  alloc::InstrumentedResource memory{&counted};
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
    benchmark::DoNotOptimize(s->version());
    benchmark::DoNotOptimize(s->state().data());
  }
  double bytes_per_event() const { return store.memory_stats().bytes_per_event(); }
};

// The map peer's counting allocator is global: each scenario keeps one MapSide alive when it
// reports.
struct MapSide {
  MapStore peer;
  MapSnapshots snapshots;

  void append(std::string_view stream, std::span<const EventData> events) {
    peer.append(stream, events);
  }
  void read(std::string_view stream, std::uint64_t from = 0) const {
    for (const auto& e : peer.load(stream, from)) consume(e);
  }
  // The map's snapshots do not look at events: nothing to prepare.
  void prepare_snapshots(std::string_view /*stream*/, std::span<const EventData> /*events*/) {}
  void save_snapshot(std::string_view stream, std::uint64_t version, const std::string& state) {
    snapshots.save(stream, version, state);
  }
  void load_snapshot(std::string_view stream) const {
    auto copy = snapshots.load(stream);
    benchmark::DoNotOptimize(copy.first);
    benchmark::DoNotOptimize(copy.second.data());
  }
  double bytes_per_event() const {
    return per_event(static_cast<double>(g_map_peer_bytes.load()), peer.events());
  }
};

// SQLite's byte count is process-wide: each scenario keeps one SqliteSide alive when it reports.
struct SqliteSide {
  SqliteStore peer;

  void append(std::string_view stream, std::span<const EventData> events) {
    peer.append(stream, events);
  }
  void read(std::string_view stream, std::uint64_t from = 0) const {
    peer.read(stream, from, [](const SqliteRow& r) { consume_row(r); });
  }
  void prepare_snapshots(std::string_view /*stream*/, std::span<const EventData> /*events*/) {}
  void save_snapshot(std::string_view stream, std::uint64_t version, const std::string& state) {
    peer.save_snapshot(stream, version, "Aggregate", state);
  }
  void load_snapshot(std::string_view stream) const {
    auto s = peer.load_snapshot(stream);
    benchmark::DoNotOptimize(s->version);
    benchmark::DoNotOptimize(s->state.data());
  }
  double bytes_per_event() const {
    return per_event(static_cast<double>(sqlite_bytes_live()), peer.events());
  }
};

struct LmdbSide {
  LmdbStore peer;

  void append(std::string_view stream, std::span<const EventData> events) {
    peer.append(stream, events);
  }
  void read(std::string_view stream, std::uint64_t from = 0) const {
    peer.read(stream, from, [](const LmdbEvent& r) { consume_row(r); });
  }
  void prepare_snapshots(std::string_view /*stream*/, std::span<const EventData> /*events*/) {}
  void save_snapshot(std::string_view stream, std::uint64_t version, const std::string& state) {
    peer.save_snapshot(stream, version, "Aggregate", state);
  }
  void load_snapshot(std::string_view stream) const {
    auto s = peer.load_snapshot(stream);
    benchmark::DoNotOptimize(s->version);
    benchmark::DoNotOptimize(s->state.data());
  }
  double bytes_per_event() const {
    return per_event(static_cast<double>(peer.bytes_used()), peer.events());
  }
};

}  // namespace orchestrix::bench
