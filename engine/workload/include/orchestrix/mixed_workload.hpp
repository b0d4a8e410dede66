// orchestrix/mixed_workload.hpp — the `mixed` reference workload: a service-shaped load with
// skewed stream lengths and payload sizes. Deterministic by default (see WallClock).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orchestrix/event.hpp"
#include "orchestrix/workload_batch.hpp"

namespace orchestrix {

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
