#include "input_source.hpp"

#include <array>

namespace orchestrix::tools {
namespace {

constexpr std::int64_t kNanosPerMilli = 1'000'000;
constexpr std::int64_t kDefaultStartNanos = 1'704'067'200'000'000'000;  // 2024-01-01T00:00:00Z

// splitmix64's finalizer: a bijection of 64-bit values.
std::uint64_t mix(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Version 7 layout: 48-bit big-endian milliseconds, version 7, 12 bits, variant 10, 62 bits.
// The 64 bits of `unique` fill the 12 bits and the top 52 of the 62; `salt` the low 10.
Uuid fresh_id(std::int64_t unix_nanos, std::uint64_t unique, std::uint64_t salt) noexcept {
  const auto millis = static_cast<std::uint64_t>(unix_nanos / kNanosPerMilli);
  std::array<std::uint8_t, 16> b{};
  for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(millis >> (40 - 8 * i));
  b[6] = static_cast<std::uint8_t>(0x70 | ((unique >> 60) & 0x0f));
  b[7] = static_cast<std::uint8_t>(unique >> 52);
  const std::uint64_t low = ((unique & ((1ULL << 52) - 1)) << 10) | (salt & 0x3ff);  // 62 bits
  b[8] = static_cast<std::uint8_t>(0x80 | ((low >> 56) & 0x3f));
  for (int i = 9; i < 16; ++i) b[i] = static_cast<std::uint8_t>(low >> (8 * (15 - i)));
  return Uuid(b);
}

}  // namespace

InputSource::InputSource(const EventSample& sample, std::uint64_t events, std::uint64_t seed,
                         std::uint32_t batch_events)
    : sample_(sample),
      events_(events),
      seed_key_(mix(seed ^ 0x6f72636865737472ULL)),
      batch_events_(batch_events == 0 ? 1 : batch_events),
      start_nanos_(sample.first_time() ? sample.first_time()->unix_nanos() : kDefaultStartNanos) {
  batch_.reserve(batch_events_);
}

bool InputSource::next(WorkloadBatch& batch) {
  const std::span<const SampleEvent> events = sample_.events();
  if (produced_ >= events_ || events.empty()) return false;
  batch_.clear();
  pending_ = {};
  const std::string_view stream = events[cursor_].stream;
  while (produced_ < events_ && batch_.size() < batch_events_ && events[cursor_].stream == stream) {
    const SampleEvent& e = events[cursor_];
    const std::int64_t nanos = start_nanos_ + static_cast<std::int64_t>(produced_) * kNanosPerMilli;
    const Timestamp time(nanos);
    batch_.push_back(EventData{.type = e.type,
                               .data = e.data,
                               .id = fresh_id(nanos, mix(produced_ ^ seed_key_), seed_key_),
                               .source = e.source,
                               .time = time,
                               .content_type = e.content_type,
                               .correlation_id = std::nullopt,
                               .causation_id = std::nullopt,
                               .attributes = e.attributes});
    pending_.json_bytes +=
        e.json_bytes_without_time + (e.has_time ? time_member_bytes(time) : 0) + 1;
    pending_.data_bytes += e.data_json_bytes;
    ++produced_;
    cursor_ = cursor_ + 1 == events.size() ? 0 : cursor_ + 1;
  }
  batch.stream = stream;
  batch.events = batch_;
  return true;
}

void InputSource::on_appended() {
  appended_.json_bytes += pending_.json_bytes;
  appended_.data_bytes += pending_.data_bytes;
  pending_ = {};
}

}  // namespace orchestrix::tools
