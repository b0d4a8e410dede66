// The user's events scaled to any count: an EventSample (event_sample.hpp) cycled in file order
// until `events` were produced. Each appended copy is the sample event's fields, data and
// attribute blob with
//   - a fresh id: a version 7 UUID whose 48-bit millisecond field is the copy's time and whose
//     74 other bits are a bijective mix of the copy's index and the seed, so a seed gives the
//     same ids in every run and no two copies of one run share an id;
//   - a fresh time: the sample's earliest time (2024-01-01T00:00:00Z when no event has one) plus
//     one millisecond per copy, increasing; events that had no time are stored with it too (the
//     store needs one) and keep their "no time" mark in the blob.
// Consecutive copies of one stream are appended together, up to `batch_events` per append.
// Streams keep the sample's names, so cycling grows the same streams.
// Raw figures: what the appended copies are as CloudEvents JSON (compact, as the codec writes
// them), counted once an append succeeded (on_appended()).
// Memory: a batch's EventData (batch_events of them) on the default heap at construction; the
// sample is borrowed and must outlive the source. Thread safety: one thread.
#pragma once

#include <cstdint>
#include <vector>

#include "batch_source.hpp"
#include "event_sample.hpp"
#include "orchestrix/event.hpp"

namespace orchestrix::tools {

struct RawBytes {
  std::uint64_t json_bytes = 0;  // the appended events as CloudEvents JSON lines, newline included
  std::uint64_t data_bytes = 0;  // their "data" / "data_base64" member values
};

class InputSource final : public BatchSource {
 public:
  InputSource(const EventSample& sample, std::uint64_t events, std::uint64_t seed,
              std::uint32_t batch_events);

  bool next(WorkloadBatch& batch) override;
  void on_appended() override;

  const RawBytes& appended() const noexcept { return appended_; }

 private:
  const EventSample& sample_;
  std::uint64_t events_;
  std::uint64_t seed_key_;
  std::uint32_t batch_events_;
  std::int64_t start_nanos_;
  std::uint64_t produced_ = 0;
  std::size_t cursor_ = 0;  // next sample event
  std::vector<EventData> batch_;
  RawBytes pending_;  // of the batch handed out last
  RawBytes appended_;
};

}  // namespace orchestrix::tools
