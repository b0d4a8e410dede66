#include "orchestrix/seed_workload.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "generator_support.hpp"
#include "orchestrix/errors.hpp"

namespace orchestrix {
namespace {

using workload_detail::next_time;
using workload_detail::random_v4;

constexpr std::size_t kPayloadSlot = 32;  // {"value":<up to 20 digits>}

}  // namespace

SeedWorkload::SeedWorkload(SeedWorkloadOptions options) : options_(options) {
  if (options_.events_per_stream == 0) {
    throw InvalidArgument("SeedWorkloadOptions::events_per_stream must be > 0");
  }
  stream_name_.reserve(32);
  events_.resize(options_.events_per_stream);
  payloads_.resize(std::size_t{options_.events_per_stream} * kPayloadSlot);
  reset();
}

void SeedWorkload::reset() {
  produced_ = 0;
  stream_ = 0;
  rng_ = options_.seed;
  clock_ = options_.start_unix_nanos;
}

std::uint64_t SeedWorkload::streams() const noexcept {
  return (options_.events + options_.events_per_stream - 1) / options_.events_per_stream;
}

bool SeedWorkload::next(WorkloadBatch& batch) {
  if (produced_ >= options_.events) return false;
  const auto n = static_cast<std::size_t>(
      std::min<std::uint64_t>(options_.events_per_stream, options_.events - produced_));
  char name[32] = "agg-";
  auto [end, ec] = std::to_chars(name + 4, name + sizeof(name), stream_);
  (void)ec;
  stream_name_.assign(name, end);  // capacity reserved: no allocation
  for (std::size_t i = 0; i < n; ++i) {
    char* slot = payloads_.data() + i * kPayloadSlot;
    // NOLINTNEXTLINE(bugprone-not-null-terminated-result): payload bytes, not a C string.
    std::memcpy(slot, "{\"value\":", 9);
    auto [p, ec2] = std::to_chars(slot + 9, slot + kPayloadSlot - 1, i);
    (void)ec2;
    *p++ = '}';
    EventData& e = events_[i];
    e.type = "BenchmarkEvent";
    e.source = "/benchmark";
    e.content_type = "application/json";
    e.data = std::as_bytes(std::span<const char>(slot, static_cast<std::size_t>(p - slot)));
    e.id = random_v4(rng_);
    e.time = next_time(options_.wall_clock, clock_, options_.step_nanos);
    e.correlation_id.reset();
    e.causation_id.reset();
  }
  batch.stream = stream_name_;
  batch.events = std::span<const EventData>(events_.data(), n);
  produced_ += n;
  ++stream_;
  return true;
}

}  // namespace orchestrix
