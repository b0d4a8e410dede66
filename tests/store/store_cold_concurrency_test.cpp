// Residency under concurrency (label concurrency: the tsan preset runs it): writers seal
// segments that go cold (their files written through a FaultFileSystem) while readers read
// cold ranges through a one-segment cache, a compactor rewrites cold segments and the
// invariant walk (which reads every file back) runs in the background; with and without
// compression. Nothing is lost or duplicated, every event reads back as appended, resident
// bytes end within the bound and the accounting adds up.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/durable/fault_file_system.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_access.hpp"
#include "store_check.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;

namespace {

// "<w>:<v>" padded with JSON-like filler to 400 bytes (compressible).
std::string payload(int w, std::uint64_t v) {
  std::string p = std::to_string(w) + ":" + std::to_string(v) + ";";
  while (p.size() < 400) p += "{\"k\":\"value\"},";
  p.resize(400);
  return p;
}

bool payload_is(std::string_view data, int w, std::uint64_t v) { return data == payload(w, v); }

}  // namespace

TEST_CASE("cold segments: appenders, readers of cold ranges and compaction at once") {
  for (const bool compression : {false, true}) {
    CAPTURE(compression);
    durable::FaultFileSystem fs;
    alloc::InstrumentedResource inst(alloc::system_resource());
    StoreOptions options{.memory = &inst,
                         .segment_bytes = 64 * 1024,
                         .shards = 4,
                         .retention = RetentionPolicy::keep_before_snapshot(5)};
    options.directory = "/store";
    // About one raw segment, or a few compressed ones (the filler compresses well).
    options.resident_bytes = compression ? 4 * 1024 : 64 * 1024;
    options.compression.enabled = compression;
    options.compression.cache_bytes = 64 * 1024;  // one segment: nearly every run entry misses
    const auto owned = detail::StoreAccess::open(options, fs);
    EventStore& store = *owned;
    constexpr int kWriters = 3;
    constexpr int kRounds = 120;
    std::atomic<int> writers_left{kWriters};
    std::atomic<int> bad{0};
    std::atomic<std::uint64_t> reads{0};
    orchestrix::test::BackgroundChecker checker(store);
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
      threads.emplace_back([&, w] {
        const std::string stream = orchestrix::test::numbered("z", static_cast<std::uint64_t>(w));
        std::uint64_t next = 0;
        for (int r = 0; r < kRounds; ++r) {
          std::vector<std::string> payloads;
          std::vector<EventData> events(10);
          for (int i = 0; i < 10; ++i) payloads.push_back(payload(w, next + i));
          for (int i = 0; i < 10; ++i) {
            events[i].type = "T";
            events[i].data = orchestrix::test::bytes_of(payloads[i]);
          }
          store.append(stream, events,
                       next == 0 ? ExpectedVersion::no_stream() : ExpectedVersion::exact(next - 1));
          next += 10;
          if (r % 4 == 3 && r < kRounds / 2) {
            store.save_snapshot(stream, {next / 2, "S", orchestrix::test::bytes_of("s")});
          }
        }
        writers_left.fetch_sub(1);
      });
    }
    threads.emplace_back([&] {
      while (writers_left.load() > 0) (void)store.compact({.min_dead_ratio = 0.2});
    });
    for (int reader = 0; reader < 2; ++reader) {
      threads.emplace_back([&] {
        while (writers_left.load() > 0) {
          for (int w = 0; w < kWriters; ++w) {
            const std::string stream =
                orchestrix::test::numbered("z", static_cast<std::uint64_t>(w));
            try {
              auto range = store.read(stream);
              std::uint64_t v = range.first_version();
              for (const EventView& e : range) {
                if (e.version() != v || !payload_is(orchestrix::test::text_of(e.data()), w, v)) {
                  bad.fetch_add(1);
                }
                ++v;
                reads.fetch_add(1, std::memory_order_relaxed);
              }
            } catch (const ReadBelowRetained&) {
              // Retention overtook this reader: allowed, and said explicitly.
            }
          }
          std::uint64_t last = 0;
          bool first = true;
          for (const EventView& e : store.read_all()) {
            if (!first && e.position().value <= last) bad.fetch_add(1);
            last = e.position().value;
            first = false;
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    checker.stop();
    CHECK(checker.failure() == "");
    CHECK(bad.load() == 0);
    CHECK(reads.load() > 0);
    orchestrix::test::check_store(store);
    for (int w = 0; w < kWriters; ++w) {
      const std::string stream = orchestrix::test::numbered("z", static_cast<std::uint64_t>(w));
      CHECK(store.stream_version(stream) == kRounds * 10 - 1);
      auto range = store.read(stream);
      std::uint64_t v = range.first_version();
      for (const EventView& e : range) {
        CHECK(payload_is(orchestrix::test::text_of(e.data()), w, v));
        ++v;
      }
      CHECK(v == kRounds * 10);
    }
    (void)store.compact({.min_dead_ratio = 0.01});
    orchestrix::test::check_store(store);
    const StoreMemoryStats m = store.memory_stats();
    CHECK(m.cold_segments > 0);
    CHECK(m.cold_write_failures == 0);
    CHECK(m.resident_sealed_bytes <= options.resident_bytes);
    CHECK(m.total_bytes() == inst.bytes_live());
    inst.check_invariants();
  }
}
