// orchestrix/seed_workload.hpp — the `seed` reference workload (docs/memory.md quotes its
// figures): fixed-size streams of small JSON events, the shape behind the bytes-per-event
// numbers. Deterministic by default (see WallClock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "orchestrix/event.hpp"
#include "orchestrix/workload_batch.hpp"

namespace orchestrix {

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

}  // namespace orchestrix
