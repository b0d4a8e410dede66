#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::test::Batch;
using orchestrix::test::OwnedEvent;
using orchestrix::test::read_everything;
using orchestrix::test::read_stream;

TEST_CASE("a read gives back every field exactly as appended") {
  EventStore store;
  orchestrix::test::OwnedEventData a;
  a.type = "OrderPlaced";
  a.data = std::string("{\"total\":12}\0bin", 16);
  a.id = Uuid::v4();
  a.source = "/orders";
  a.time = Timestamp{1'700'000'000'123'456'789};
  a.content_type = "application/json";
  a.correlation_id = Uuid::v4();
  a.causation_id = Uuid::v7();
  orchestrix::test::OwnedEventData b;  // minimal: only a type
  b.type = "Ping";
  b.time = Timestamp{1'600'000'000'000'000'000};  // earlier than a: negative delta
  const EventData events[] = {a.view(), b.view()};
  store.append("order-1", events);

  auto got = read_stream(store, "order-1");
  REQUIRE(got.size() == 2);
  CHECK(got[0].stream == "order-1");
  CHECK(got[0].type == "OrderPlaced");
  CHECK(got[0].data == a.data);
  CHECK(got[0].id == *a.id);
  CHECK(got[0].source == "/orders");
  CHECK(got[0].time == a.time->unix_nanos());
  CHECK(got[0].content_type == "application/json");
  CHECK(got[0].correlation_id == a.correlation_id);
  CHECK(got[0].causation_id == a.causation_id);
  CHECK(got[1].type == "Ping");
  CHECK(got[1].data.empty());
  CHECK(got[1].source.empty());
  CHECK(got[1].content_type.empty());
  CHECK(got[1].time == b.time->unix_nanos());
  CHECK_FALSE(got[1].correlation_id.has_value());
  CHECK_FALSE(got[1].causation_id.has_value());
  CHECK(got[1].id.version() == 7);  // generated
}

TEST_CASE("events without a time get the current time") {
  EventStore store;
  const auto before = Timestamp::now();
  Batch a(2);
  store.append("s", a.span());
  const auto after = Timestamp::now();
  for (const auto& e : read_stream(store, "s")) {
    CHECK(e.time >= before.unix_nanos());
    CHECK(e.time <= after.unix_nanos());
  }
}

TEST_CASE("reading from a version returns that version onward, across runs and segments") {
  EventStore store({.segment_bytes = 64 * 1024});
  // 3 batches of 1000 events: many 64-event runs, several segments, interleaved streams.
  for (int round = 0; round < 3; ++round) {
    Batch a(1000, orchestrix::test::numbered("a", static_cast<std::uint64_t>(round)) + "-");
    Batch b(1000, "b");
    store.append("a", a.span());
    store.append("b", b.span());
  }
  CHECK(store.memory_stats().segments > 2);
  for (std::uint64_t from : {0u, 1u, 63u, 64u, 65u, 999u, 1000u, 1500u, 2999u, 3000u, 5000u}) {
    auto got = read_stream(store, "a", from);
    CHECK(got.size() == (from < 3000 ? 3000 - from : 0));
    for (std::size_t i = 0; i < got.size(); ++i) {
      const std::uint64_t v = from + i;
      REQUIRE(got[i].version == v);
      REQUIRE(got[i].data ==
              orchestrix::test::numbered("a", static_cast<std::uint64_t>(v / 1000)) +
                  orchestrix::test::numbered("-", static_cast<std::uint64_t>(v % 1000)));
    }
  }
  auto range = store.read("a", 10);
  CHECK(range.first_version() == 10);
  CHECK(range.end_version() == 3000);
  CHECK(range.size() == 2990);
  CHECK_FALSE(range.truncated());
}

TEST_CASE("global positions are dense and read_all returns append order") {
  EventStore store({.segment_bytes = 64 * 1024});
  std::vector<std::string> expected_streams;
  for (int i = 0; i < 300; ++i) {
    const std::string stream = orchestrix::test::numbered("s", static_cast<std::uint64_t>(i % 7));
    Batch b(1 + i % 5, stream + "/");
    AppendResult r = store.append(stream, b.span());
    CHECK(r.first_position.value == expected_streams.size());
    for (std::size_t k = 0; k < b.events.size(); ++k) expected_streams.push_back(stream);
  }
  auto all = read_everything(store);
  REQUIRE(all.size() == expected_streams.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    REQUIRE(all[i].position == i);
    REQUIRE(all[i].stream == expected_streams[i]);
  }
  // The stream view and the global view agree on positions.
  for (const auto& e : read_stream(store, "s3")) CHECK(all[e.position] == e);
  CHECK(store.head_position().value == all.size());
}

TEST_CASE("read_all from a position resumes exactly there") {
  EventStore store({.segment_bytes = 64 * 1024});
  for (int i = 0; i < 50; ++i) {
    Batch b(100, "p");
    store.append(orchestrix::test::numbered("s", static_cast<std::uint64_t>(i)), b.span());
  }
  auto all = read_everything(store);
  for (std::uint64_t from : {0u, 1u, 99u, 100u, 2500u, 4999u, 5000u, 7000u}) {
    auto tail = read_everything(store, Position{from});
    REQUIRE(tail.size() == (from < 5000 ? 5000 - from : 0));
    for (std::size_t i = 0; i < tail.size(); ++i) REQUIRE(tail[i] == all[from + i]);
  }
  auto range = store.read_all(Position{10});
  CHECK(range.from() == Position{10});
  CHECK(range.head() == Position{5000});
}

TEST_CASE("a range yields only what was committed when it was made") {
  EventStore store;
  Batch a(3);
  store.append("s", a.span());
  auto range = store.read("s");
  auto all = store.read_all();
  store.append("s", a.span());
  std::size_t n = 0;
  for (const auto& e : range) n += e.stream() == "s";
  CHECK(n == 3);
  n = 0;
  for ([[maybe_unused]] const auto& e : all) ++n;
  CHECK(n == 3);
  CHECK(read_stream(store, "s").size() == 6);
}

TEST_CASE("views stay valid while their range lives, across later appends") {
  EventStore store({.segment_bytes = 64 * 1024});
  Batch a(10, "keep");
  store.append("s", a.span());
  auto range = store.read("s");
  std::vector<EventView> views;
  for (const EventView& e : range) views.push_back(e);
  REQUIRE(views.size() == 10);
  // Enough appends to fill several new segments.
  for (int i = 0; i < 100; ++i) {
    Batch b(100, std::string(500, 'x'));
    store.append("other", b.span());
  }
  for (std::size_t i = 0; i < views.size(); ++i) {
    CHECK(orchestrix::test::text_of(views[i].data()) ==
          orchestrix::test::numbered("keep", static_cast<std::uint64_t>(i)));
    CHECK(views[i].stream() == "s");
    CHECK(views[i].type() == "Type");
  }
}

TEST_CASE("each begin() of a range starts a new pass") {
  EventStore store;
  Batch a(5);
  store.append("s", a.span());
  auto range = store.read("s", 2);
  int first = 0;
  int second = 0;
  for ([[maybe_unused]] const auto& e : range) ++first;
  for ([[maybe_unused]] const auto& e : range) ++second;
  CHECK(first == 3);
  CHECK(second == 3);
}

TEST_CASE("wait_for_append returns at once when the head is already past the position") {
  EventStore store;
  Batch a(2);
  store.append("s", a.span());
  CHECK(store.wait_for_append(Position{1}, std::chrono::hours(1)) == Position{2});
  // Nothing at position 2 yet: returns the unchanged head after the timeout.
  CHECK(store.wait_for_append(Position{2}, std::chrono::milliseconds(1)) == Position{2});
}

TEST_CASE("wait_for_append wakes up when another thread appends") {
  EventStore store;
  Batch a(1);
  store.append("s", a.span());
  std::thread writer([&] {
    Batch b(3);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    store.append("t", b.span());
  });
  const Position head = store.wait_for_append(Position{1}, std::chrono::hours(1));
  writer.join();
  CHECK(head == Position{4});
  // Catch up from the old head: exactly the new batch, whole.
  auto tail = read_everything(store, Position{1});
  REQUIRE(tail.size() == 3);
  CHECK(tail[0].stream == "t");
}

TEST_CASE("wait_for_append with nanoseconds::max() waits for the append instead of returning") {
  // max() is the usual "wait forever"; a deadline computed as now + max() overflows.
  EventStore store;
  Batch a(1);
  store.append("s", a.span());
  std::atomic<bool> appended{false};
  std::thread writer([&] {
    Batch b(2);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    appended.store(true);
    store.append("t", b.span());
  });
  const Position head = store.wait_for_append(Position{1}, std::chrono::nanoseconds::max());
  const bool after_append = appended.load();
  writer.join();
  // Only the append can end this wait: the waiter sees it, whenever it came.
  CHECK(after_append);
  CHECK(head == Position{3});
}
