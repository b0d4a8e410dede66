// orchestrix/workload.hpp — deterministic generators of the reference workloads
// (seed, mixed; docs/memory.md describes them), shared by tests, memtests, benches and the CLI.
//
// A generator yields batches of EventData (one batch per stream append). All buffers are
// allocated once, at construction, on the default heap; next() then reuses them and never
// allocates, so a generator can feed a store inside an allocation-counting scope.
// The batch's views stay valid until the next call to next() (or the generator's destruction).
//
// Determinism: by default (WallClock::kNo) a given seed produces byte-identical events (ids,
// payloads and times) on every run and in every process, so the same options are the same work
// under any allocator. WallClock::kYes stamps Timestamp::now() per event instead, as a service
// would (times then differ between runs, and so do the time-delta bytes of the records).
// Thread safety: a generator is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrix/event.hpp"

namespace orchestrix {

// One stream append's worth of events: pass it to EventStore::append(stream, events). The views
// point into the generator's buffers and stay valid until its next next()/reset().
struct WorkloadBatch {
  std::string_view stream;
  std::span<const EventData> events;
};

// kNo (the default): a synthetic clock (start + i * step), for byte-identical runs.
// kYes: events carry Timestamp::now().
enum class WallClock : std::uint8_t { kNo, kYes };

// The `seed` workload: N/100 aggregates "agg-<n>", each appended as one batch of
// events_per_stream events of type "BenchmarkEvent", source "/benchmark", content type
// "application/json", data {"value":<i>} (i = index in the stream), a random v4 id per event.
struct SeedWorkloadOptions {
  std::uint64_t events = 1'000'000;
  std::uint32_t events_per_stream = 100;
  std::uint64_t seed = 42;
  WallClock wall_clock = WallClock::kNo;
  // With WallClock::kNo: time of the first event and the step between events.
  std::int64_t start_unix_nanos = 1'767'225'600'000'000'000;  // 2026-01-01T00:00:00Z
  std::int64_t step_nanos = 250;
};

// Memory: one batch of buffers (events_per_stream EventData + 32 bytes of payload each), taken
// from the default heap at construction. Throws InvalidArgument when events_per_stream == 0.
class SeedWorkload {
 public:
  explicit SeedWorkload(SeedWorkloadOptions options = {});

  // The next batch; false once `events` events have been produced (the last batch may be
  // shorter when events is not a multiple of events_per_stream).
  bool next(WorkloadBatch& batch);
  // Restarts from the first batch with the same seed (same ids and payloads).
  void reset();

  // Number of batches (= streams) a full pass produces.
  std::uint64_t streams() const noexcept;
  const SeedWorkloadOptions& options() const noexcept { return options_; }

 private:
  SeedWorkloadOptions options_;
  std::uint64_t produced_ = 0;
  std::uint64_t stream_ = 0;
  std::uint64_t rng_ = 0;
  std::int64_t clock_ = 0;
  std::string stream_name_;
  std::vector<EventData> events_;
  std::vector<char> payloads_;  // events_per_stream slots of kPayloadSlot bytes
};

// The `mixed` workload, a service-shaped load: `streams` streams whose lengths follow a
// Zipf(1.1) distribution over stream rank (stream-0 is the longest), appended interleaved in
// batches of 1..10 events of a randomly chosen unfinished stream; payloads are JSON-like text of
// 32 B..4 KiB (log-normal, median ~200 B); 8 event types ("Mixed.Type0".."Mixed.Type7"), source
// "/mixed", content type "application/json"; 5% of events carry correlation and causation ids;
// a random v4 id per event. Payload bytes are views into one immutable text buffer owned by the
// generator (so next() copies nothing).
struct MixedWorkloadOptions {
  std::uint64_t events = 1'000'000;
  std::uint32_t streams = 10'000;
  std::uint64_t seed = 42;
  WallClock wall_clock = WallClock::kNo;
  std::int64_t start_unix_nanos = 1'767'225'600'000'000'000;
  std::int64_t step_nanos = 250;
};

// Memory: the stream plan (3 words per stream), a 16 KiB text buffer and 10 EventData, from the
// default heap at construction.
class MixedWorkload {
 public:
  // Throws InvalidArgument when streams == 0 or events < streams (every stream gets >= 1 event).
  explicit MixedWorkload(MixedWorkloadOptions options = {});

  // The next batch; false once `events` events have been produced.
  bool next(WorkloadBatch& batch);
  // Restarts from the first batch: the same sequence again.
  void reset();

  // Planned length of stream `index` (Zipf share of `events`, at least 1).
  std::uint64_t stream_length(std::uint32_t index) const { return lengths_[index]; }
  const MixedWorkloadOptions& options() const noexcept { return options_; }

 private:
  MixedWorkloadOptions options_;
  std::vector<std::uint64_t> lengths_;
  std::vector<std::uint64_t> written_;
  std::vector<std::uint32_t> active_;
  std::uint64_t rng_ = 0;
  std::int64_t clock_ = 0;
  std::string stream_name_;
  std::string text_;
  std::vector<EventData> events_;
};

}  // namespace orchestrix
