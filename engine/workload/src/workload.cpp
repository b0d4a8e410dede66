#include "orchestrix/workload.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
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

namespace {

constexpr std::string_view kMixedTypes[8] = {"Mixed.Type0", "Mixed.Type1", "Mixed.Type2",
                                             "Mixed.Type3", "Mixed.Type4", "Mixed.Type5",
                                             "Mixed.Type6", "Mixed.Type7"};
constexpr std::size_t kMixedText = 16 * 1024;
constexpr std::size_t kMixedMaxPayload = 4096;
constexpr std::size_t kMixedMinPayload = 32;

double uniform01(std::uint64_t& state) noexcept {
  return static_cast<double>(splitmix(state) >> 11) * 0x1.0p-53;
}

// Log-normal payload size, median 200 B, sigma 1.0, clamped to [32 B, 4 KiB].
std::size_t mixed_payload_size(std::uint64_t& state) noexcept {
  // Box-Muller from two uniforms.
  const double u1 = std::max(uniform01(state), 1e-300);
  const double u2 = uniform01(state);
  const double normal = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  const double size = std::exp(std::log(200.0) + normal);
  return static_cast<std::size_t>(std::clamp(size, static_cast<double>(kMixedMinPayload),
                                             static_cast<double>(kMixedMaxPayload)));
}

}  // namespace

MixedWorkload::MixedWorkload(MixedWorkloadOptions options) : options_(options) {
  if (options_.streams == 0 || options_.events < options_.streams) {
    throw InvalidArgument("MixedWorkloadOptions: need streams > 0 and events >= streams");
  }
  // Zipf(1.1) shares over stream rank; every stream gets at least one event, the rounding
  // remainder goes to the longest stream.
  lengths_.resize(options_.streams);
  double total_weight = 0;
  for (std::uint32_t k = 0; k < options_.streams; ++k) {
    total_weight += std::pow(static_cast<double>(k + 1), -1.1);
  }
  const std::uint64_t spread = options_.events - options_.streams;
  std::uint64_t assigned = 0;
  for (std::uint32_t k = 0; k < options_.streams; ++k) {
    const double share = std::pow(static_cast<double>(k + 1), -1.1) / total_weight;
    lengths_[k] = 1 + static_cast<std::uint64_t>(share * static_cast<double>(spread));
    assigned += lengths_[k];
  }
  lengths_[0] += options_.events - assigned;
  // JSON-like text the payloads are cut from.
  text_.reserve(kMixedText);
  std::uint64_t state = options_.seed ^ 0x5DEECE66DULL;
  static constexpr std::string_view kWords[] = {"order",   "customer", "amount",   "currency",
                                                "status",  "item",     "quantity", "address",
                                                "created", "note",     "EUR",      "pending"};
  while (text_.size() < kMixedText) {
    text_ += "{\"";
    text_ += kWords[splitmix(state) % 12];
    text_ += "\":\"";
    text_ += kWords[splitmix(state) % 12];
    text_ += "-";
    text_ += std::to_string(splitmix(state) % 100000);
    text_ += "\"},";
  }
  text_.resize(kMixedText);
  stream_name_.reserve(32);
  events_.resize(10);
  written_.resize(options_.streams);
  active_.reserve(options_.streams);
  reset();
}

void MixedWorkload::reset() {
  std::fill(written_.begin(), written_.end(), 0);
  active_.clear();
  for (std::uint32_t k = 0; k < options_.streams; ++k) active_.push_back(k);
  rng_ = options_.seed;
  clock_ = options_.start_unix_nanos;
}

bool MixedWorkload::next(WorkloadBatch& batch) {
  if (active_.empty()) return false;
  const std::size_t slot = splitmix(rng_) % active_.size();
  const std::uint32_t stream = active_[slot];
  const std::uint64_t left = lengths_[stream] - written_[stream];
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, 1 + splitmix(rng_) % 10));
  char name[32] = "stream-";
  auto [end, ec] = std::to_chars(name + 7, name + sizeof(name), stream);
  (void)ec;
  stream_name_.assign(name, end);
  for (std::size_t i = 0; i < n; ++i) {
    EventData& e = events_[i];
    e.type = kMixedTypes[splitmix(rng_) % 8];
    e.source = "/mixed";
    e.content_type = "application/json";
    const std::size_t size = mixed_payload_size(rng_);
    const std::size_t at = splitmix(rng_) % (kMixedText - size);
    e.data = std::as_bytes(std::span<const char>(text_.data() + at, size));
    e.id = random_v4(rng_);
    if (splitmix(rng_) % 100 < 5) {
      e.correlation_id = random_v4(rng_);
      e.causation_id = random_v4(rng_);
    } else {
      e.correlation_id.reset();
      e.causation_id.reset();
    }
    if (options_.wall_clock == WallClock::kYes) {
      e.time = Timestamp::now();
    } else {
      e.time = Timestamp{clock_};
      clock_ += options_.step_nanos;
    }
  }
  written_[stream] += n;
  if (written_[stream] == lengths_[stream]) {
    active_[slot] = active_.back();
    active_.pop_back();
  }
  batch.stream = stream_name_;
  batch.events = std::span<const EventData>(events_.data(), n);
  return true;
}

}  // namespace orchestrix
