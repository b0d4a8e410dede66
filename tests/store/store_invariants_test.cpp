// The store's invariant walk (StoreImpl::check_invariants through StoreAccess): it passes on a
// store shaped by appends, snapshots, retention and compaction, and it reports a structure
// corrupted on purpose — segment extents, run headers, locator order, dead-byte sums — naming
// what broke. Every corruption is undone before the store is used or destroyed.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_access.hpp"
#include "store_check.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::detail::StoreAccess;

namespace {

// Three streams of 300 events (several segments, many runs each), with a snapshot and
// retention on "a" (part of its first runs dead) and a compaction of the sparse segments.
struct Shaped {
  alloc::InstrumentedResource memory{alloc::system_resource()};
  EventStore store{{.memory = &memory,
                    .segment_bytes = 64 * 1024,
                    .shards = 4,
                    .retention = RetentionPolicy::keep_before_snapshot(10)}};

  Shaped() {
    for (int round = 0; round < 10; ++round) {
      for (const char* s : {"a", "b", "c"}) {
        test::Batch batch(30, s);
        for (auto& e : batch.owned) e.data.resize(200, '.');
        batch.rebuild();
        store.append(s, batch.span());
      }
    }
    store.save_snapshot("a", {.version = 105, .type = "A", .state = test::bytes_of("state")});
  }

  detail::StreamState& stream(std::string_view name) {
    detail::StreamState* st = StoreAccess::stream(store, name);
    REQUIRE(st != nullptr);
    return *st;
  }
};

// Runs the walk and returns its message ("" when it passed).
std::string walk(const EventStore& store) {
  try {
    StoreAccess::check_invariants(store);
  } catch (const orchestrix::InvariantViolation& e) {
    return e.what();
  }
  return "";
}

bool mentions(const std::string& message, std::string_view what) {
  return message.find("EventStore: invariant violated") != std::string::npos &&
         message.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("the invariant walk passes on a store with retention, snapshots and compaction") {
  Shaped f;
  CHECK(walk(f.store) == "");
  CHECK(f.store.memory_stats().dead_record_bytes > 0);  // retention cut into "a"
  CHECK(f.stream("a").front_dead_bytes > 0);            // ... in the middle of a run
  f.store.compact({.min_dead_ratio = 0.01});
  CHECK(walk(f.store) == "");
  f.memory.check_invariants();
}

TEST_CASE("the invariant walk reports a segment whose extents are inconsistent") {
  Shaped f;
  detail::Segment* seg = StoreAccess::log_head(f.store);
  REQUIRE(seg != nullptr);
  REQUIRE(seg->next.load() != nullptr);

  const std::uint32_t reserved = seg->reserved;
  seg->reserved = seg->capacity + 1;  // reserved past the capacity
  CHECK(mentions(walk(f.store), "segment #0 (first position 0) has used"));
  seg->reserved = reserved;

  const std::uint32_t capacity = seg->capacity;
  seg->capacity = capacity - 8;  // no longer block_bytes - header
  CHECK(mentions(walk(f.store), "has block_bytes"));
  seg->capacity = capacity;

  detail::Segment* second = seg->next.load();
  const std::uint64_t first_position = second->first_position;
  second->first_position += 1;  // not its first run's position
  CHECK(mentions(walk(f.store), "segment #1"));
  second->first_position = first_position;

  CHECK(walk(f.store) == "");
}

TEST_CASE("the invariant walk reports a damaged run header") {
  Shaped f;
  detail::Segment* seg = StoreAccess::log_head(f.store);
  REQUIRE(seg != nullptr);
  std::byte& tag = seg->data()[0];
  const std::byte saved = tag;
  tag = std::byte{0x00};
  CHECK(mentions(walk(f.store), "segment #0: no run tag at offset 0"));
  tag = saved;
  CHECK(walk(f.store) == "");
}

TEST_CASE("the invariant walk reports locators out of order or pointing at the wrong run") {
  Shaped f;
  detail::StreamState& b = f.stream("b");
  REQUIRE(b.locators.size() >= 3);

  std::swap(b.locators[1], b.locators[2]);
  CHECK(mentions(walk(f.store), "locators of stream 'b' are not sorted and contiguous"));
  std::swap(b.locators[1], b.locators[2]);

  b.locators[1].offset += 1;  // no run starts there
  CHECK(mentions(walk(f.store), "locator #1 of stream 'b'"));
  b.locators[1].offset -= 1;

  b.locators[2].bytes += 1;
  CHECK(mentions(walk(f.store), "locator #2 of stream 'b' says first version"));
  b.locators[2].bytes -= 1;

  CHECK(walk(f.store) == "");
}

TEST_CASE("the invariant walk reports dead-byte sums that disagree with the records") {
  Shaped f;
  detail::Segment* seg = StoreAccess::log_head(f.store);
  REQUIRE(seg != nullptr);
  const std::uint64_t dead = seg->dead_bytes.load();
  REQUIRE(dead > 0);  // retention made the front of "a" dead, and "a" starts the log

  seg->dead_bytes.store(dead + 1);
  CHECK(mentions(walk(f.store), "segment #0 (first position 0) counts"));
  seg->dead_bytes.store(dead);

  detail::StreamState& a = f.stream("a");
  const std::uint32_t front = a.front_dead_bytes;
  a.front_dead_bytes = front + 1;
  CHECK(mentions(walk(f.store), "dead bytes at the front of its first run"));
  a.front_dead_bytes = front;

  CHECK(walk(f.store) == "");
}

TEST_CASE("the invariant walk reports retention that no snapshot allows") {
  Shaped f;
  detail::StreamState& c = f.stream("c");
  REQUIRE(c.snapshots.empty());
  c.first_retained.store(1);
  CHECK(mentions(walk(f.store), "stream 'c' retains from version 1 without a snapshot"));
  c.first_retained.store(0);
  CHECK(walk(f.store) == "");
}
