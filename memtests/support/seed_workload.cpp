#include "seed_workload.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <string_view>

#include "orchestrix/event_store.hpp"

namespace orchestrix::memtest {
namespace {

void mix(std::uint64_t& h, const void* data, std::size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
}

void mix_event(std::uint64_t& h, const EventView& e) noexcept {
  mix(h, e.id().bytes().data(), 16);
  const std::uint64_t version = e.version();
  const std::uint64_t position = e.position().value;
  const std::int64_t time = e.time().unix_nanos();
  mix(h, &version, sizeof version);
  mix(h, &position, sizeof position);
  mix(h, &time, sizeof time);
  mix(h, e.data().data(), e.data().size());
}

}  // namespace

std::string_view seed_stream_name(std::uint64_t n, std::array<char, 32>& out) noexcept {
  std::memcpy(out.data(), "agg-", 4);
  const auto end = std::to_chars(out.data() + 4, out.data() + out.size(), n).ptr;
  return {out.data(), static_cast<std::size_t>(end - out.data())};
}

SeedWorkloadOptions seed_options(std::uint64_t events, std::uint64_t seed) {
  SeedWorkloadOptions options;
  options.events = events;
  options.events_per_stream = static_cast<std::uint32_t>(kSeedBatchEvents);
  options.seed = seed;
  options.wall_clock = WallClock::kNo;
  return options;
}

std::uint64_t load_seed(EventStore& store, SeedWorkload& workload) {
  std::uint64_t appended = 0;
  WorkloadBatch batch;
  while (workload.next(batch)) {
    store.append(batch.stream, batch.events, ExpectedVersion::no_stream());
    appended += batch.events.size();
  }
  return appended;
}

ReadBack read_all_streams(const EventStore& store, std::uint64_t aggregates) {
  ReadBack result;
  std::array<char, 32> name{};
  for (std::uint64_t n = 0; n < aggregates; ++n) {
    const EventRange range = store.read(seed_stream_name(n, name));
    std::uint64_t expected = range.first_version();
    for (const EventView& e : range) {
      result.in_order = result.in_order && e.version() == expected;
      ++expected;
      ++result.events;
      result.payload_bytes += e.data().size();
      mix_event(result.digest, e);
    }
  }
  bool first = true;
  std::uint64_t last_position = 0;
  for (const EventView& e : store.read_all()) {
    result.in_order = result.in_order && (first || e.position().value > last_position);
    first = false;
    last_position = e.position().value;
    ++result.global_events;
    mix_event(result.digest, e);
  }
  return result;
}

}  // namespace orchestrix::memtest
