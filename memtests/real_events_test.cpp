// Real events with compressed sealed segments (docs/compression.md): the webhook sample
// (tools/fetch-sample: 329 CloudEvents JSON lines of GitHub webhook examples, MIT, in the
// git-ignored data/webhooks/) decoded with orchestrix::cloudevents and appended through
// store_fields() with fresh ids, cycled to 100k events:
//   - compression on: bytes held / payload bytes <= 0.10 (off: reported);
//   - RSS after a snapshot of every stream at its head and compact(), system resource, in a
//     forked child: what the store adds to RSS (RSS minus RSS before the store was made) <= 10%
//     of what it added at the peak (compression on and off);
// and the seed workload at 1M events with compression on: <= 34.9 bytes per event.
// Without the sample the real-event cases say so and skip (tools/dev setup fetches it).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "driver_fork.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/process_memory.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/cloudevents/attribute_blob.hpp"
#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/cloudevents_store/event_data.hpp"
#include "orchestrix/event_store.hpp"
#include "support/seed_run.hpp"

namespace orchestrix::memtest {
namespace {

#if defined(ORCHESTRIX_MEMTEST_SANITIZED)
constexpr std::uint64_t kRealEvents = 10'000;
#else
constexpr std::uint64_t kRealEvents = 100'000;
#endif
constexpr double kMaxHeldPerPayload = 0.10;
constexpr double kMaxRssAfterCompactRatio = 0.10;
constexpr double kMaxSeedBytesPerEvent = 34.9;

// The sample's events, decoded once (views point into the decoder).
struct Sample {
  std::string text;
  cloudevents::Decoder decoder;
  std::span<const cloudevents::CloudEvent> events;

  bool load() {
    std::ifstream in(ORCHESTRIX_WEBHOOK_SAMPLE, std::ios::binary);
    if (!in) return false;
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
    events = decoder.decode_lines(text);
    return !events.empty();
  }
};

struct RealRun {
  std::uint64_t payload_bytes = 0;
  std::uint64_t held_bytes = 0;
  std::uint64_t compressed_segments = 0;
  std::uint64_t segments = 0;
  std::uint64_t slack_bytes = 0;  // segment_slack_bytes
};

// Appends `n` events cycling the sample (fresh ids: the store assigns them), each to the stream
// its subject names (its source when it has none).
RealRun append_cycled(EventStore& store, const Sample& sample, std::uint64_t n) {
  RealRun r;
  for (std::uint64_t i = 0; i < n; ++i) {
    const cloudevents::CloudEvent& ce = sample.events[i % sample.events.size()];
    const cloudevents::StoreFields f = cloudevents::store_fields(ce);
    EventData e = cloudevents::event_data(f);
    e.id.reset();  // fresh ids: the store assigns them
    const std::string_view stream = ce.subject.empty() ? ce.source : ce.subject;
    store.append(stream, std::span<const EventData>(&e, 1));
    r.payload_bytes += f.data.size();
  }
  const StoreMemoryStats m = store.memory_stats();
  r.held_bytes = m.total_bytes();
  r.compressed_segments = m.compressed_segments;
  r.segments = m.segments;
  r.slack_bytes = m.segment_slack_bytes;
  return r;
}

std::unique_ptr<Sample> sample_or_skip() {
  auto sample = std::make_unique<Sample>();
  if (!sample->load()) {
    MESSAGE("SKIPPED: the webhook sample is absent (" ORCHESTRIX_WEBHOOK_SAMPLE
            "); run tools/dev setup (tools/fetch-sample) to fetch it");
    return nullptr;
  }
  return sample;
}

struct RssRun {
  std::uint64_t rss_base = 0;  // before the store was made (the sample and decoder loaded)
  std::uint64_t peak_rss = 0;
  std::uint64_t rss_loaded = 0;  // after the appends, before the snapshots
  std::uint64_t rss_after = 0;
  std::uint64_t held_after = 0;
};

// In a fresh child: load, snapshot every stream at its head with drop_before_snapshot, compact,
// and read VmHWM / VmRSS.
bool rss_after_compaction(bool compression, RssRun& out) {
  return run_in_child(
      [&] {
        RssRun r;
        alloc::reset_peak_rss();  // VmHWM is inherited across fork(): measure this child's
        auto sample = std::make_unique<Sample>();
        if (!sample->load()) throw std::runtime_error("no sample");
        r.rss_base = alloc::read_process_memory().value_or(alloc::ProcessMemory{}).rss_bytes;
        alloc::InstrumentedResource memory(alloc::system_resource());
        StoreOptions o;
        o.memory = &memory;
        o.retention = RetentionPolicy::drop_before_snapshot();
        o.compression.enabled = compression;
        EventStore store(o);
        append_cycled(store, *sample, kRealEvents);
        r.rss_loaded = alloc::read_process_memory().value_or(alloc::ProcessMemory{}).rss_bytes;
        std::set<std::string, std::less<>> streams;
        for (const auto& ce : sample->events) {
          streams.emplace(ce.subject.empty() ? ce.source : ce.subject);
        }
        for (const std::string& s : streams) {
          const std::optional<std::uint64_t> v = store.stream_version(s);
          if (v) store.save_snapshot(s, {*v + 1, "S", {}});
        }
        (void)store.compact();
        const auto mem = alloc::read_process_memory();
        if (!mem) throw std::runtime_error("no /proc");
        r.peak_rss = mem->hwm_bytes;
        r.rss_after = mem->rss_bytes;
        r.held_after = store.memory_stats().total_bytes();
        return r;
      },
      out);
}

}  // namespace

// First: the forked child then starts from a small parent (the other cases grow the heap).
TEST_CASE(
    "RSS after a snapshot of every stream and compact() is at most 10 percent of the peak "
    "on the system resource") {
  const auto sample = sample_or_skip();
  if (!sample) return;
  for (const bool compression : {false, true}) {
    CAPTURE(compression);
    RssRun r;
    REQUIRE(rss_after_compaction(compression, r));
    // What the store added to the process's RSS: after compaction vs at the peak.
    const double ratio = static_cast<double>(r.rss_after - std::min(r.rss_after, r.rss_base)) /
                         static_cast<double>(r.peak_rss - r.rss_base);
    const std::string mode = compression ? "on" : "off";
    MESSAGE("compression " << mode << ": RSS before the store " << r.rss_base << ", peak "
                           << r.peak_rss << ", after the appends " << r.rss_loaded
                           << ", after compact " << r.rss_after << " (the store's part: " << ratio
                           << " of its peak), held after " << r.held_after);
#if !defined(ORCHESTRIX_MEMTEST_SANITIZED)
    CHECK(ratio <= kMaxRssAfterCompactRatio);
#endif
  }
}

TEST_CASE(
    "100k real webhook events take at most 10 percent of their payload bytes with "
    "compression on") {
  const auto sample = sample_or_skip();
  if (!sample) return;
  RealRun on;
  RealRun off;
  {
    alloc::InstrumentedResource memory(alloc::system_resource());
    StoreOptions o;
    o.memory = &memory;
    o.compression.enabled = true;
    EventStore store(o);
    on = append_cycled(store, *sample, kRealEvents);
    CHECK(on.held_bytes == memory.bytes_live());
  }
  {
    alloc::InstrumentedResource memory(alloc::system_resource());
    EventStore store({.memory = &memory});
    off = append_cycled(store, *sample, kRealEvents);
  }
  const double ratio_on =
      static_cast<double>(on.held_bytes) / static_cast<double>(on.payload_bytes);
  const double ratio_off =
      static_cast<double>(off.held_bytes) / static_cast<double>(off.payload_bytes);
  MESSAGE(kRealEvents << " webhook events, payload " << on.payload_bytes << " bytes: held "
                      << on.held_bytes << " (" << ratio_on << " of payload, "
                      << on.compressed_segments << "/" << on.segments
                      << " segments compressed) with compression, " << off.held_bytes << " ("
                      << ratio_off << ") without, of which segment slack " << off.slack_bytes
                      << " (" << static_cast<double>(off.slack_bytes) / kRealEvents
                      << " per event)");
  CHECK(ratio_on <= kMaxHeldPerPayload);
  CHECK(ratio_off > ratio_on);
}

#if !defined(ORCHESTRIX_MEMTEST_SANITIZED)
TEST_CASE("1M seed events with compression on take at most 34.9 bytes per event") {
  AllocatorStack stack("system");
  StoreOptions o;
  o.compression.enabled = true;
  SeedRun run(stack, 1'000'000, o);
  run.load();
  const SeedReport report = run.report();
  const double per_event = report.store.bytes_per_event();
  MESSAGE("1M seed events, compression on: " << per_event << " bytes/event ("
                                             << report.store.compressed_segments << "/"
                                             << report.store.segments << " segments compressed)");
  CHECK(report.store.total_bytes() == report.requested_live);
  CHECK(per_event <= kMaxSeedBytesPerEvent);
}
#endif

}  // namespace orchestrix::memtest
