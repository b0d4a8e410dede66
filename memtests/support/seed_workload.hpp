// memtests/support/seed_workload.hpp — loading and reading back the `seed` reference workload
// (orchestrix/seed_workload.hpp generates and describes it).
//
// The memory tests use the generator deterministically: fixed seed (kDefaultSeed) and
// WallClock::kNo (times start at 2026-01-01T00:00:00Z, 250 ns apart), so every run stores
// byte-identical records and the byte counts repeat exactly. With a wall clock only the
// time-delta varints would change (about one byte per event).
//
// Neither function allocates outside the store after the generator is built (the generator
// allocates its buffers once, before the first append): the memory tests count global
// operator new calls around them.
//
// Thread safety: one thread per call; the store's own rules apply.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "orchestrix/seed_workload.hpp"

namespace orchestrix {
class EventStore;
}  // namespace orchestrix

namespace orchestrix::memtest {

inline constexpr std::uint64_t kDefaultSeed = 42;
inline constexpr std::uint64_t kSeedBatchEvents = 100;

// The generator options every memory test uses for `events` seed events.
SeedWorkloadOptions seed_options(std::uint64_t events, std::uint64_t seed = kDefaultSeed);

// Writes the seed stream id "agg-<n>" into `out` and returns a view of it. No allocation.
std::string_view seed_stream_name(std::uint64_t n, std::array<char, 32>& out) noexcept;

// Appends every batch of `workload` to `store` with ExpectedVersion::no_stream() (the streams
// must not exist yet). Returns the number of events appended. Exceptions from append pass
// through; batches before the failing one stay appended.
std::uint64_t load_seed(EventStore& store, SeedWorkload& workload);

// What read_all_streams() saw.
struct ReadBack {
  std::uint64_t events = 0;         // events read stream by stream
  std::uint64_t payload_bytes = 0;  // sum of their data sizes
  std::uint64_t global_events = 0;  // events read from the global log (read_all)
  // FNV-1a over every event read (stream by stream, then the global log): id, version,
  // position, time and data. Two stores with the same contents give the same digest.
  std::uint64_t digest = 0xcbf29ce484222325ULL;
  // Every stream's versions rose by one from its first retained version, and the global log's
  // positions rose strictly.
  bool in_order = true;
};

// Reads streams "agg-0" .. "agg-<aggregates - 1>" from version 0 (clamped to the retained range)
// and then the whole global log once. Allocates nothing outside the store.
ReadBack read_all_streams(const EventStore& store, std::uint64_t aggregates);

}  // namespace orchestrix::memtest
