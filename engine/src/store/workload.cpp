#include "orchestrix/workload.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "orchestrix/errors.hpp"

namespace orchestrix {
namespace {

constexpr std::size_t kPayloadSlot = 32;  // {"value":<up to 20 digits>}

std::uint64_t splitmix(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Uuid random_v4(std::uint64_t& state) noexcept {
  std::array<std::uint8_t, 16> b{};
  const std::uint64_t hi = splitmix(state);
  const std::uint64_t lo = splitmix(state);
  std::memcpy(b.data(), &hi, 8);
  std::memcpy(b.data() + 8, &lo, 8);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
  return Uuid{b};
}

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
    if (options_.wall_clock == WallClock::kYes) {
      e.time = Timestamp::now();
    } else {
      e.time = Timestamp{clock_};
      clock_ += options_.step_nanos;
    }
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
