#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_access.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::test::Batch;
using orchestrix::test::bytes_of;
using orchestrix::test::text_of;

TEST_CASE("the latest snapshot is loaded with its type, version and state") {
  EventStore store;
  Batch a(10);
  store.append("s", a.span());
  CHECK_FALSE(store.load_snapshot("s").has_value());
  store.save_snapshot("s", {5, "Cart", bytes_of("state-5")});
  store.save_snapshot("s", {10, "Cart", bytes_of("state-10")});
  auto snap = store.load_snapshot("s");
  REQUIRE(snap.has_value());
  CHECK(snap->version() == 10);
  CHECK(snap->type() == "Cart");
  CHECK(text_of(snap->state()) == "state-10");
  // Keep only the latest by default.
  CHECK_FALSE(store.load_snapshot("s", 9).has_value());
}

TEST_CASE("the last K snapshots are kept when configured") {
  EventStore store({.snapshots_per_stream = 3});
  Batch a(100);
  store.append("s", a.span());
  for (std::uint64_t v : {10u, 20u, 30u, 40u}) {
    store.save_snapshot(
        "s", {v, "Agg", bytes_of(orchestrix::test::numbered("at", static_cast<std::uint64_t>(v)))});
  }
  CHECK(store.load_snapshot("s")->version() == 40);
  CHECK(store.load_snapshot("s", 35)->version() == 30);
  CHECK(store.load_snapshot("s", 20)->version() == 20);
  CHECK_FALSE(store.load_snapshot("s", 15).has_value());  // 10 was dropped
}

TEST_CASE("a snapshot beyond the head, of a missing stream or older than the latest is refused") {
  EventStore store;
  Batch a(3);
  store.append("s", a.span());
  CHECK_THROWS_AS(store.save_snapshot("s", {4, "T", {}}), InvalidArgument);
  CHECK_NOTHROW(store.save_snapshot("s", {3, "T", {}}));  // at the head: after events 0..2
  CHECK_THROWS_AS(store.save_snapshot("s", {2, "T", {}}), InvalidArgument);
  CHECK_THROWS_AS(store.save_snapshot("missing", {0, "T", {}}), InvalidArgument);
  CHECK_THROWS_AS(store.save_snapshot("s", {3, "", {}}), InvalidArgument);
  CHECK(store.load_snapshot("s")->version() == 3);
}

TEST_CASE("a refused snapshot adds nothing to the intern table") {
  // Regression: save_snapshot used to intern its type before checking the stream and the
  // version, so every refused snapshot with a new type kept that string for good.
  alloc::InstrumentedResource inst(alloc::system_resource());
  EventStore store({.memory = &inst});
  Batch a(3);
  store.append("s", a.span());
  store.save_snapshot("s", {2, "Kept", {}});
  const std::uint64_t interned_before = store.memory_stats().interned_bytes;
  const std::size_t live_before = inst.bytes_live();
  for (std::uint64_t i = 0; i < 200; ++i) {
    const std::string type = orchestrix::test::numbered("NewSnapshotType", i);
    CHECK_THROWS_AS(store.save_snapshot("missing", {0, type, bytes_of("x")}), InvalidArgument);
    CHECK_THROWS_AS(store.save_snapshot("s", {4, type, bytes_of("x")}), InvalidArgument);
    CHECK_THROWS_AS(store.save_snapshot("s", {1, type, bytes_of("x")}), InvalidArgument);
  }
  CHECK(store.memory_stats().interned_bytes == interned_before);
  CHECK(inst.bytes_live() == live_before);
  REQUIRE(store.load_snapshot("s").has_value());
  CHECK(store.load_snapshot("s")->type() == "Kept");
  // An accepted snapshot with a new type still interns it.
  store.save_snapshot("s", {3, "Accepted", {}});
  CHECK(store.memory_stats().interned_bytes > interned_before);
  CHECK(store.load_snapshot("s")->type() == "Accepted");
}

TEST_CASE("a snapshot handle keeps its state after a newer snapshot replaced it") {
  EventStore store;
  Batch a(3);
  store.append("s", a.span());
  store.save_snapshot("s", {1, "T", bytes_of("old")});
  Snapshot old = *store.load_snapshot("s");
  const auto with_handle = store.memory_stats().snapshot_bytes;
  store.save_snapshot("s", {2, "T", bytes_of("new")});
  CHECK(text_of(old.state()) == "old");
  CHECK(store.memory_stats().snapshot_bytes > with_handle);  // both blocks alive
  Snapshot copy = old;
  { Snapshot dropped = std::move(old); }
  CHECK(text_of(copy.state()) == "old");
}

TEST_CASE("snapshot memory returns to the resource when the last handle goes") {
  EventStore store;
  Batch a(3);
  store.append("s", a.span());
  store.save_snapshot("s", {1, "T", bytes_of(std::string(1000, 'a'))});
  const auto one = store.memory_stats().snapshot_bytes;
  {
    auto h = store.load_snapshot("s");
    store.save_snapshot("s", {2, "T", bytes_of(std::string(1000, 'b'))});
    CHECK(store.memory_stats().snapshot_bytes == 2 * one);
  }
  CHECK(store.memory_stats().snapshot_bytes == one);
}

TEST_CASE("copying or assigning a moved-from snapshot handle gives an empty handle") {
  EventStore store;
  Batch a(3);
  store.append("s", a.span());
  store.save_snapshot("s", {1, "T", bytes_of(std::string(1000, 'a'))});
  const auto one = store.memory_stats().snapshot_bytes;
  Snapshot held = *store.load_snapshot("s");
  Snapshot moved_to = std::move(held);
  Snapshot copy(held);  // the moved-from state is what this test is about
  Snapshot assigned = *store.load_snapshot("s");
  assigned = held;
  store.save_snapshot("s", {2, "T", bytes_of(std::string(1000, 'b'))});
  // Only moved_to still references the first block: copy and assigned hold nothing.
  CHECK(store.memory_stats().snapshot_bytes == 2 * one);
  { Snapshot gone = std::move(moved_to); }
  CHECK(store.memory_stats().snapshot_bytes == one);
  // An empty handle takes a snapshot by assignment like any other.
  copy = *store.load_snapshot("s");
  CHECK(copy.version() == 2);
  CHECK(text_of(copy.state()) == std::string(1000, 'b'));
  held = copy;
  CHECK(held.version() == 2);
}

TEST_CASE("a save takes over the block of the snapshot it replaces when no handle holds it") {
  alloc::InstrumentedResource memory{alloc::system_resource()};
  EventStore store({.memory = &memory});
  Batch a(10);
  store.append("s", a.span());
  store.save_snapshot("s", {1, "Cart", bytes_of(std::string(200, 'a'))});
  const auto bytes = store.memory_stats().snapshot_bytes;
  const auto allocations = memory.stats().allocations;
  // Same size, nobody holds the old one: rewritten in place, no allocation at all.
  store.save_snapshot("s", {2, "Cart", bytes_of(std::string(200, 'b'))});
  CHECK(memory.stats().allocations == allocations);
  CHECK(store.memory_stats().snapshot_bytes == bytes);
  CHECK(text_of(store.load_snapshot("s")->state()) == std::string(200, 'b'));
  // In place with a new type as well (interned: the intern table grows, the block does not).
  store.save_snapshot("s", {3, "Basket", bytes_of(std::string(200, 'c'))});
  CHECK(store.memory_stats().snapshot_bytes == bytes);
  auto snap = store.load_snapshot("s");
  REQUIRE(snap.has_value());
  CHECK(snap->version() == 3);
  CHECK(snap->type() == "Basket");
  CHECK(text_of(snap->state()) == std::string(200, 'c'));
  // A handle on it: the next save leaves that block alone and makes a new one.
  store.save_snapshot("s", {4, "Basket", bytes_of(std::string(200, 'd'))});
  CHECK(text_of(snap->state()) == std::string(200, 'c'));
  CHECK(snap->version() == 3);
  CHECK(store.memory_stats().snapshot_bytes == 2 * bytes);
  CHECK(text_of(store.load_snapshot("s")->state()) == std::string(200, 'd'));
  snap.reset();
  CHECK(store.memory_stats().snapshot_bytes == bytes);
  // Another size, or a state too large to copy under the lock: a new block each time.
  store.save_snapshot("s", {5, "Basket", bytes_of(std::string(100, 'e'))});
  CHECK(text_of(store.load_snapshot("s")->state()) == std::string(100, 'e'));
  store.save_snapshot("s", {6, "Basket", bytes_of(std::string(5000, 'f'))});
  store.save_snapshot("s", {7, "Basket", bytes_of(std::string(5000, 'g'))});
  CHECK(text_of(store.load_snapshot("s")->state()) == std::string(5000, 'g'));
  CHECK(store.load_snapshot("s")->version() == 7);
  orchestrix::detail::StoreAccess::check_invariants(store);
}

TEST_CASE("with several snapshots kept, a block taken over becomes the latest") {
  EventStore store({.snapshots_per_stream = 3});
  Batch a(100);
  store.append("s", a.span());
  for (std::uint64_t v = 10; v <= 90; v += 10) {
    store.save_snapshot("s", {v, "Agg", bytes_of(orchestrix::test::numbered("at-", v))});
    CHECK(store.load_snapshot("s")->version() == v);
  }
  for (std::uint64_t v : {70u, 80u, 90u}) {
    auto s = store.load_snapshot("s", v);
    REQUIRE(s.has_value());
    CHECK(s->version() == v);
    CHECK(text_of(s->state()) == orchestrix::test::numbered("at-", v));
  }
  CHECK_FALSE(store.load_snapshot("s", 69).has_value());
  orchestrix::detail::StoreAccess::check_invariants(store);
}
