// Concurrency tests (label concurrency: run under ThreadSanitizer by the tsan preset).
// Invariants: contiguous versions, no lost or duplicated event, global order consistent with
// each stream's order, readers never see half a batch; the store's invariant walk passes while
// the threads run (a checker thread walks it over and over) and once they are joined.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_check.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::test::bytes_of;

namespace {

constexpr int kThreads = 4;
constexpr int kBatchesPerThread = 150;
constexpr int kBatch = 7;

// Payload "<thread>:<seq>" identifies every event.
std::string tag(int thread, int seq) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof(buf), "%d:%d", thread, seq);
  return std::string(buf, static_cast<std::size_t>(n));
}

// The padded payload of writer w's event at version v.
bool payload_is(const std::string& payload, int w, std::uint64_t v) {
  std::string expected = tag(w, static_cast<int>(v));
  expected.resize(300, '|');
  return payload == expected;
}

}  // namespace

TEST_CASE("concurrent appends, reads and snapshots keep every invariant") {
  alloc::InstrumentedResource inst(alloc::system_resource());
  EventStore store({.memory = &inst, .segment_bytes = 64 * 1024, .shards = 4});
  std::atomic<bool> writers_done{false};
  std::atomic<int> torn{0};
  orchestrix::test::BackgroundChecker checker(store);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int seq = 0;
      for (int b = 0; b < kBatchesPerThread; ++b) {
        // Half the batches go to a shared stream (contended, any()), half to an own stream
        // with exact expected versions.
        std::vector<std::string> payloads;
        for (int i = 0; i < kBatch; ++i) payloads.push_back(tag(t, seq++));
        std::vector<EventData> events(kBatch);
        for (int i = 0; i < kBatch; ++i) {
          events[i].type = "T";
          events[i].data = bytes_of(payloads[i]);
        }
        if (b % 2 == 0) {
          store.append(orchestrix::test::numbered("shared-", static_cast<std::uint64_t>(b % 3)),
                       events);
        } else {
          const std::string own = orchestrix::test::numbered("own-", static_cast<std::uint64_t>(t));
          const auto v = store.stream_version(own);
          store.append(own, events, v ? ExpectedVersion::exact(*v) : ExpectedVersion::no_stream());
          if (b % 10 == 1) {
            store.save_snapshot(own, {*store.stream_version(own) + 1, "S", bytes_of("snap")});
          }
        }
      }
    });
  }
  // Readers: batches are whole (payload sequence numbers of one thread come in runs of 7
  // inside a stream) and versions are contiguous.
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (!writers_done.load()) {
        for (const char* s : {"shared-0", "own-1"}) {
          std::uint64_t expect = 0;
          std::size_t n = 0;
          for (const EventView& e : store.read(s)) {
            if (e.version() != expect++) torn.fetch_add(1);
            ++n;
          }
          if (n % kBatch != 0) torn.fetch_add(1);
        }
        std::uint64_t pos = 0;
        for (const EventView& e : store.read_all()) {
          if (e.position().value != pos++) torn.fetch_add(1);
        }
        if (pos % kBatch != 0) torn.fetch_add(1);
        (void)store.load_snapshot("own-0");
        (void)store.memory_stats();
      }
    });
  }
  for (int t = 0; t < kThreads; ++t) threads[static_cast<std::size_t>(t)].join();
  writers_done.store(true);
  for (std::size_t i = kThreads; i < threads.size(); ++i) threads[i].join();
  checker.stop();
  CHECK(checker.failure() == "");
  orchestrix::test::check_store(store);
  inst.check_invariants();

  CHECK(torn.load() == 0);
  const std::uint64_t total = std::uint64_t{kThreads} * kBatchesPerThread * kBatch;
  CHECK(store.head_position().value == total);

  // Every event exactly once; per stream, versions contiguous and in global order.
  std::set<std::string> seen;
  std::map<std::string, std::uint64_t> next_version;
  std::map<std::string, std::uint64_t> last_position;
  std::uint64_t pos = 0;
  for (const EventView& e : store.read_all()) {
    CHECK(e.position().value == pos++);
    CHECK(seen.insert(orchestrix::test::text_of(e.data())).second);
    const std::string s(e.stream());
    CHECK(e.version() == next_version[s]++);
  }
  CHECK(seen.size() == total);
  // Each thread's events in a stream appear in the order the thread appended them.
  std::map<std::pair<std::string, int>, int> last_seq;
  for (const EventView& e : store.read_all()) {
    const std::string payload = orchestrix::test::text_of(e.data());
    const int t = std::stoi(payload.substr(0, payload.find(':')));
    const int seq = std::stoi(payload.substr(payload.find(':') + 1));
    auto [it, fresh] = last_seq.try_emplace({std::string(e.stream()), t}, seq);
    if (!fresh) {
      CHECK(seq > it->second);
      it->second = seq;
    }
  }
  CHECK(store.memory_stats().total_bytes() == inst.bytes_live());
}

TEST_CASE("a subscriber following wait_for_append sees every event once, in order") {
  EventStore store;
  constexpr int kWriters = 3;
  constexpr int kPerWriter = 200;
  std::thread subscriber;
  std::vector<std::uint64_t> positions;
  subscriber = std::thread([&] {
    Position next{};
    const std::uint64_t total = kWriters * kPerWriter;
    while (next.value < total) {
      for (const EventView& e : store.read_all(next)) {
        positions.push_back(e.position().value);
        next = Position{e.position().value + 1};
      }
      store.wait_for_append(next, std::chrono::milliseconds(50));
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        EventData e;
        e.type = "Tick";
        store.append(orchestrix::test::numbered("w", static_cast<std::uint64_t>(w)),
                     std::span<const EventData>(&e, 1));
      }
    });
  }
  for (auto& w : writers) w.join();
  subscriber.join();
  orchestrix::test::check_store(store);
  REQUIRE(positions.size() == kWriters * kPerWriter);
  for (std::size_t i = 0; i < positions.size(); ++i) CHECK(positions[i] == i);
}

TEST_CASE("compaction while other threads append, snapshot and read loses and duplicates nothing") {
  alloc::InstrumentedResource inst(alloc::system_resource());
  EventStore store({.memory = &inst,
                    .segment_bytes = 64 * 1024,
                    .shards = 4,
                    .retention = RetentionPolicy::keep_before_snapshot(5)});
  constexpr int kWriters = 2;
  constexpr int kRounds = 150;
  constexpr int kMidRound = kRounds / 2 - 1;  // 74: a snapshot round, like the last one
  std::atomic<int> writers_left{kWriters};
  std::atomic<int> bad{0};
  // Segments the compactor has retired so far (it adds after every compact() call).
  std::atomic<std::uint64_t> retired{0};
  std::atomic<int> gate_timeouts{0};
  orchestrix::test::BackgroundChecker checker(store);
  // A writer waits here until the compactor has retired more than `floor` segments. This makes
  // the overlap deterministic: on a small machine the compactor thread might otherwise never run
  // while the writers append. The bound only keeps a broken store from hanging the test; the
  // compactor has sparse segments to retire at every gate (each gate follows a snapshot).
  auto wait_retired_above = [&](std::uint64_t floor) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (retired.load() <= floor) {
      if (std::chrono::steady_clock::now() > give_up) {
        gate_timeouts.fetch_add(1);
        return;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      const std::string stream = orchestrix::test::numbered("c", static_cast<std::uint64_t>(w));
      std::uint64_t next = 0;
      std::uint64_t retired_at_mid = 0;
      for (int r = 0; r < kRounds; ++r) {
        std::vector<std::string> payloads;
        std::vector<EventData> events(10);
        // "<w>:<version>" padded to 300 bytes: the run spans many segments, so compaction has
        // plenty of sealed segments (and a sparse tail) to rewrite while appends continue.
        for (int i = 0; i < 10; ++i) {
          std::string p = tag(w, static_cast<int>(next + i));
          p.resize(300, '|');
          payloads.push_back(std::move(p));
        }
        for (int i = 0; i < 10; ++i) {
          events[i].type = "T";
          events[i].data = bytes_of(payloads[i]);
        }
        store.append(stream, events,
                     next == 0 ? ExpectedVersion::no_stream() : ExpectedVersion::exact(next - 1));
        next += 10;
        if (r % 3 == 2) store.save_snapshot(stream, {next, "S", bytes_of("s")});
        // Midway, the compactor must have retired segments before this writer goes on
        // appending; at the end, it must have retired more since then, i.e. segments holding
        // events appended after the midpoint (the reader keeps reading throughout).
        if (r == kMidRound) {
          wait_retired_above(0);
          retired_at_mid = retired.load();
        }
        if (r == kRounds - 1) wait_retired_above(retired_at_mid);
      }
      writers_left.fetch_sub(1);
    });
  }
  threads.emplace_back([&] {
    while (writers_left.load() > 0) {
      retired.fetch_add(store.compact({.min_dead_ratio = 0.3}).segments_retired);
    }
  });
  threads.emplace_back([&] {
    while (writers_left.load() > 0) {
      for (int w = 0; w < kWriters; ++w) {
        const std::string stream = orchestrix::test::numbered("c", static_cast<std::uint64_t>(w));
        try {
          auto range = store.read(stream);
          std::uint64_t v = range.first_version();
          for (const EventView& e : range) {
            // Payload "<w>:<version>": the event at each version is the one appended there.
            if (e.version() != v || !payload_is(orchestrix::test::text_of(e.data()), w, v)) {
              bad.fetch_add(1);
            }
            ++v;
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
  for (auto& t : threads) t.join();
  checker.stop();
  CHECK(checker.failure() == "");
  orchestrix::test::check_store(store);
  CHECK(bad.load() == 0);
  // Compaction really retired segments between the writers' appends, twice per writer.
  CHECK(gate_timeouts.load() == 0);
  CHECK(retired.load() > 0);
  for (int w = 0; w < kWriters; ++w) {
    const std::string stream = orchestrix::test::numbered("c", static_cast<std::uint64_t>(w));
    CHECK(store.stream_version(stream) == kRounds * 10 - 1);
    auto range = store.read(stream);
    std::uint64_t v = range.first_version();
    CHECK(v == kRounds * 10 - 5);  // last snapshot at the head, keep 5 before it
    for (const EventView& e : range) {
      CHECK(payload_is(orchestrix::test::text_of(e.data()), w, v));
      ++v;
    }
    CHECK(v == kRounds * 10);
  }
  store.compact({.min_dead_ratio = 0.01});
  orchestrix::test::check_store(store);
  inst.check_invariants();
  CHECK(store.memory_stats().total_bytes() == inst.bytes_live());
  CHECK(store.memory_stats().live_events == kWriters * 5);
}

TEST_CASE("batches larger than a segment appended from several threads are read back whole") {
  EventStore store({.segment_bytes = 64 * 1024, .shards = 8});
  constexpr int kWriters = 3;
  constexpr int kBatches = 12;
  constexpr int kBatchEvents = 50;  // x ~2 KiB: every batch spans two segments
  std::atomic<int> writers_left{kWriters};
  std::atomic<int> bad{0};
  orchestrix::test::BackgroundChecker checker(store);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      const std::string stream = orchestrix::test::numbered("big-", static_cast<std::uint64_t>(w));
      for (int b = 0; b < kBatches; ++b) {
        std::vector<std::string> payloads;
        std::vector<EventData> events(kBatchEvents);
        for (int i = 0; i < kBatchEvents; ++i) {
          // "<w>:<version>" padded to 2 KiB with a byte derived from the version.
          std::string p = tag(w, b * kBatchEvents + i);
          p.resize(2048, static_cast<char>('a' + (b * kBatchEvents + i) % 26));
          payloads.push_back(std::move(p));
        }
        for (int i = 0; i < kBatchEvents; ++i) {
          events[i].type = "Big";
          events[i].data = bytes_of(payloads[i]);
        }
        store.append(stream, events);
      }
      writers_left.fetch_sub(1);
    });
  }
  threads.emplace_back([&] {
    while (writers_left.load() > 0) {
      std::uint64_t expect = 0;
      for (const EventView& e : store.read_all()) {
        const std::string payload = orchestrix::test::text_of(e.data());
        const int w = std::stoi(payload.substr(0, payload.find(':')));
        const int v = std::stoi(payload.substr(payload.find(':') + 1));
        if (e.position().value != expect++ || static_cast<std::uint64_t>(v) != e.version() ||
            payload.size() != 2048 || payload.back() != static_cast<char>('a' + v % 26) ||
            e.stream() != orchestrix::test::numbered("big-", static_cast<std::uint64_t>(w))) {
          bad.fetch_add(1);
        }
      }
      if (expect % kBatchEvents != 0) bad.fetch_add(1);  // whole batches only
    }
  });
  for (auto& t : threads) t.join();
  checker.stop();
  CHECK(checker.failure() == "");
  orchestrix::test::check_store(store);
  CHECK(bad.load() == 0);
  CHECK(store.head_position().value == std::uint64_t{kWriters} * kBatches * kBatchEvents);
  for (int w = 0; w < kWriters; ++w) {
    CHECK(store.stream_version(orchestrix::test::numbered("big-", static_cast<std::uint64_t>(w))) ==
          kBatches * kBatchEvents - 1);
  }
}

TEST_CASE("snapshot handles keep their state while saves rewrite released blocks in place") {
  // One writer saves same-size snapshots (so each save may take over the block it pushes out);
  // readers load the latest and check, while holding it, that the state is the one its version
  // was saved with. A block rewritten under a live handle would show a torn state.
  EventStore store({.snapshots_per_stream = 2});
  orchestrix::test::Batch a(1);
  store.append("s", a.span());
  constexpr std::uint64_t kSaves = 3000;
  auto state_of = [](std::uint64_t n) {
    return std::string(200, static_cast<char>('a' + static_cast<int>(n % 26)));
  };
  store.save_snapshot("s", {0, "0", bytes_of(state_of(0))});
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        auto snap = store.load_snapshot("s");
        if (!snap) {
          torn.fetch_add(1);
          continue;
        }
        // Saves after the first are all at version 1: the save number is the type.
        const std::uint64_t n = std::stoull(std::string(snap->type()));
        std::this_thread::yield();
        if (orchestrix::test::text_of(snap->state()) != state_of(n)) torn.fetch_add(1);
      }
    });
  }
  for (std::uint64_t n = 1; n <= kSaves; ++n) {
    store.save_snapshot("s", {1, std::to_string(n), bytes_of(state_of(n))});
  }
  done.store(true);
  for (auto& t : readers) t.join();
  CHECK(torn.load() == 0);
  CHECK(std::stoull(std::string(store.load_snapshot("s")->type())) == kSaves);
  orchestrix::test::check_store(store);
}
