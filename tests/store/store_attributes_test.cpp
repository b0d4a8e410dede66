// EventData::attributes: kept with the event and given back as EventView::attributes(), through
// reads, read_all, compaction and the fault sweep; nothing stored when empty.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "format/record_codec.hpp"
#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_check.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::test::bytes_of;
using orchestrix::test::numbered;
using orchestrix::test::text_of;

namespace {

// Events whose attributes are "attr-<i>" on every third event and empty otherwise.
struct AttributedBatch {
  std::vector<std::string> payloads;
  std::vector<std::string> attributes;
  std::vector<EventData> events;

  explicit AttributedBatch(std::size_t n, std::int64_t time0 = 1'000) {
    payloads.reserve(n);
    attributes.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      payloads.push_back(numbered("payload-", i));
      attributes.push_back(i % 3 == 0 ? numbered("attr-", i) : std::string());
    }
    for (std::size_t i = 0; i < n; ++i) {
      EventData e;
      e.type = "Attributed";
      e.data = bytes_of(payloads[i]);
      e.id = Uuid::v4();
      e.time = Timestamp{time0 + static_cast<std::int64_t>(i)};
      e.attributes = bytes_of(attributes[i]);
      events.push_back(e);
    }
  }
};

void check_stream(const EventStore& store, std::string_view stream, const AttributedBatch& b,
                  std::uint64_t from = 0) {
  std::uint64_t v = from;
  for (const EventView& e : store.read(stream, from)) {
    REQUIRE(v < b.events.size());
    CHECK(e.version() == v);
    CHECK(text_of(e.data()) == b.payloads[v]);
    CHECK(text_of(e.attributes()) == b.attributes[v]);
    CHECK(e.id() == *b.events[v].id);
    ++v;
  }
  CHECK(v == b.events.size());
}

}  // namespace

TEST_CASE("attributes come back as appended, and empty ones as empty") {
  EventStore store;
  AttributedBatch b(200);
  store.append("s", b.events);
  check_stream(store, "s", b);
  std::size_t with = 0;
  for (const EventView& e : store.read_all()) with += e.attributes().empty() ? 0 : 1;
  CHECK(with == 67);
  CHECK(EventView{}.attributes().empty());
  orchestrix::test::check_store(store);
}

TEST_CASE("attributes cost their bytes and a length, nothing when empty") {
  // Same events with and without attributes: the record bytes differ by exactly the attribute
  // bytes plus their varint lengths (1 byte up to 127, 2 up to 16,383, 3 above).
  const std::vector<std::size_t> sizes = {0, 1, 127, 128, 16'383, 16'384, 65'536};
  for (const std::size_t size : sizes) {
    CAPTURE(size);
    const std::string attributes(size, 'a');
    EventStore plain;
    EventStore attributed;
    const std::string payload = "{\"value\":42}";
    EventData e;
    e.type = "T";
    e.data = bytes_of(payload);
    e.id = Uuid::v4();
    e.time = Timestamp{5};
    plain.append("s", {&e, 1});
    e.attributes = bytes_of(attributes);
    attributed.append("s", {&e, 1});
    const std::size_t length = size == 0 ? 0 : size < 128 ? 1 : size < 16'384 ? 2 : 3;
    CHECK(attributed.memory_stats().record_bytes ==
          plain.memory_stats().record_bytes + size + length);
    CHECK(text_of(attributed.read("s").begin()->attributes()) == attributes);
    orchestrix::test::check_store(attributed);
  }
}

TEST_CASE("the record head takes one byte for shape ids 0..15 and two from 16") {
  using detail::record_size_without_delta;
  // One byte of head, 16 of id, one of length, 12 of payload: the seed shape's record.
  CHECK(record_size_without_delta(0, false, false, 12) == 30);
  CHECK(record_size_without_delta(15, true, true, 12, 5) == 30 + 32 + 6);
  CHECK(record_size_without_delta(16, false, false, 12) == 31);
  CHECK(record_size_without_delta(2047, false, false, 12) == 31);
  CHECK(record_size_without_delta(2048, false, false, 12) == 32);
}

TEST_CASE("attributes over 65,536 bytes are rejected and nothing is appended") {
  EventStore store;
  AttributedBatch b(10);
  const std::string huge(detail::kMaxAttributeBytes + 1, 'x');
  b.events[7].attributes = bytes_of(huge);
  CHECK_THROWS_AS(store.append("s", b.events), InvalidArgument);
  CHECK(store.head_position().value == 0);
  CHECK_FALSE(store.stream_version("s").has_value());
  CHECK(store.memory_stats().record_bytes == 0);
  b.events[7].attributes = bytes_of(std::string_view(huge).substr(1));
  store.append("s", b.events);
  CHECK(store.read("s").begin()->version() == 0);
  orchestrix::test::check_store(store);
}

TEST_CASE("a retried batch with attributes is an idempotent retry") {
  EventStore store;
  AttributedBatch b(70);
  CHECK(store.append("s", b.events).written);
  CHECK_FALSE(store.append("s", b.events).written);
  CHECK(store.head_position().value == 70);
  check_stream(store, "s", b);
}

TEST_CASE("compaction keeps the attributes, also of a run's first live record") {
  EventStore store(
      {.segment_bytes = 64 * 1024, .retention = RetentionPolicy::keep_before_snapshot(0)});
  AttributedBatch b(300);
  store.append("s", b.events);
  AttributedBatch other(50, 10'000);
  store.append("other", other.events);
  // Version 99 starts mid-run (runs hold 64 records) and carries attributes (99 % 3 == 0).
  store.save_snapshot("s", {99, "Agg", {}});
  CHECK(store.read("s").first_version() == 99);
  store.compact({.min_dead_ratio = 0.01});
  check_stream(store, "s", b, 99);
  check_stream(store, "other", other);
  orchestrix::test::check_store(store);
}

TEST_CASE("an append with attributes that fails at any allocation leaves the store as it was") {
  alloc::InstrumentedResource inst{alloc::system_resource()};
  AttributedBatch b(300);
  std::uint64_t needed = 0;
  {
    alloc::FailingResource failing{&inst};
    EventStore store({.memory = &failing, .segment_bytes = 64 * 1024});
    failing.set_fail_at(0);
    store.append("s", b.events);
    needed = failing.allocate_calls();
  }
  for (std::uint64_t n = 1; n <= needed; ++n) {
    CAPTURE(n);
    alloc::FailingResource failing{&inst};
    EventStore store({.memory = &failing, .segment_bytes = 64 * 1024});
    failing.set_fail_at(n);
    CHECK_THROWS_AS(store.append("s", b.events), std::bad_alloc);
    failing.set_fail_at(0);
    CHECK(store.head_position().value == 0);
    CHECK(store.memory_stats().record_bytes == 0);
    CHECK(store.memory_stats().total_bytes() == inst.bytes_live());
    orchestrix::test::check_store(store);
    store.append("s", b.events);
    check_stream(store, "s", b);
  }
}

TEST_CASE("snapshots are unaffected by attributes") {
  EventStore store;
  AttributedBatch b(10);
  store.append("s", b.events);
  const std::string state = "state";
  store.save_snapshot("s", {9, "Agg", bytes_of(state)});
  const auto snap = store.load_snapshot("s");
  REQUIRE(snap.has_value());
  CHECK(snap->version() == 9);
  CHECK(text_of(snap->state()) == state);
  check_stream(store, "s", b);
}
