#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::test::Batch;
using orchestrix::test::read_stream;

TEST_CASE("the first event of a stream has version 0 and versions are consecutive") {
  EventStore store;
  Batch a(3);
  AppendResult r = store.append("s", a.span());
  CHECK(r.first_version == 0);
  CHECK(r.last_version == 2);
  CHECK(r.count == 3);
  CHECK(r.written);
  Batch b(2);
  r = store.append("s", b.span());
  CHECK(r.first_version == 3);
  CHECK(r.last_version == 4);
  auto events = read_stream(store, "s");
  REQUIRE(events.size() == 5);
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].version == i);
  CHECK(store.stream_version("s") == 4);
}

TEST_CASE("a stream that was never appended to has no version and reads empty") {
  EventStore store;
  CHECK_FALSE(store.stream_version("missing").has_value());
  CHECK(store.read("missing").empty());
  CHECK(read_stream(store, "missing").empty());
}

TEST_CASE("no_stream succeeds only on a stream without events") {
  EventStore store;
  Batch a(1);
  store.append("s", a.span(), ExpectedVersion::no_stream());
  try {
    store.append("s", a.span(), ExpectedVersion::no_stream());
    FAIL("expected ConcurrencyError");
  } catch (const ConcurrencyError& e) {
    CHECK(e.stream() == "s");
    CHECK_FALSE(e.expected().has_value());
    CHECK(e.actual() == 0);
  }
  CHECK(store.stream_version("s") == 0);
}

TEST_CASE("exact(v) succeeds when the last version is v and reports expected and actual") {
  EventStore store;
  Batch a(2);
  store.append("s", a.span());
  store.append("s", a.span(), ExpectedVersion::exact(1));
  CHECK(store.stream_version("s") == 3);
  try {
    store.append("s", a.span(), ExpectedVersion::exact(1));
    FAIL("expected ConcurrencyError");
  } catch (const ConcurrencyError& e) {
    CHECK(e.expected() == 1);
    CHECK(e.actual() == 3);
  }
  CHECK_THROWS_AS(store.append("s", a.span(), ExpectedVersion::exact(10)), ConcurrencyError);
  CHECK_THROWS_AS(store.append("new", a.span(), ExpectedVersion::exact(0)), ConcurrencyError);
  CHECK_FALSE(store.stream_version("new").has_value());
  CHECK(store.stream_version("s") == 3);
}

TEST_CASE("a failed expected version appends nothing anywhere") {
  EventStore store;
  Batch a(5);
  store.append("s", a.span());
  const Position head = store.head_position();
  CHECK_THROWS_AS(store.append("s", a.span(), ExpectedVersion::no_stream()), ConcurrencyError);
  CHECK(store.head_position() == head);
  CHECK(read_stream(store, "s").size() == 5);
}

TEST_CASE("retrying a batch with the same ids and expected version writes nothing again") {
  EventStore store;
  Batch a(3, "x", /*with_ids=*/true);
  AppendResult first = store.append("s", a.span(), ExpectedVersion::no_stream());
  AppendResult retry = store.append("s", a.span(), ExpectedVersion::no_stream());
  CHECK(first.written);
  CHECK_FALSE(retry.written);
  CHECK(retry.first_version == 0);
  CHECK(retry.last_version == 2);
  CHECK(retry.first_position == first.first_position);
  Batch b(2, "y", true);
  store.append("s", b.span(), ExpectedVersion::exact(2));
  AppendResult retry_b = store.append("s", b.span(), ExpectedVersion::exact(2));
  CHECK_FALSE(retry_b.written);
  CHECK(retry_b.first_version == 3);
  AppendResult retry_any = store.append("s", b.span(), ExpectedVersion::any());
  CHECK_FALSE(retry_any.written);
  CHECK(store.stream_version("s") == 4);
  CHECK(store.head_position().value == 5);
}

TEST_CASE("a retry whose ids differ from the stored events is a concurrency conflict") {
  EventStore store;
  Batch a(3, "x", true);
  store.append("s", a.span(), ExpectedVersion::no_stream());
  Batch other(3, "x", true);
  CHECK_THROWS_AS(store.append("s", other.span(), ExpectedVersion::no_stream()), ConcurrencyError);
  Batch partial = a;
  partial.owned[2].id = Uuid::v4();
  partial.rebuild();
  CHECK_THROWS_AS(store.append("s", partial.span(), ExpectedVersion::no_stream()),
                  ConcurrencyError);
  CHECK(store.stream_version("s") == 2);
}

TEST_CASE("a batch without ids appended twice with any() is stored twice") {
  EventStore store;
  Batch a(2);
  store.append("s", a.span());
  AppendResult r = store.append("s", a.span());
  CHECK(r.written);
  CHECK(store.stream_version("s") == 3);
}

TEST_CASE("an empty batch checks the expected version and writes nothing") {
  EventStore store;
  AppendResult r = store.append("s", {}, ExpectedVersion::no_stream());
  CHECK_FALSE(r.written);
  CHECK(r.count == 0);
  CHECK_FALSE(store.stream_version("s").has_value());
  CHECK_THROWS_AS(store.append("s", {}, ExpectedVersion::exact(0)), ConcurrencyError);
}

TEST_CASE("bad input is rejected with InvalidArgument and changes nothing") {
  EventStore store({.max_payload_bytes = 100});
  Batch ok(1);
  store.append("s", ok.span());
  const Position head = store.head_position();

  CHECK_THROWS_AS(store.append("", ok.span()), InvalidArgument);
  CHECK_THROWS_AS(store.append(std::string(1025, 'a'), ok.span()), InvalidArgument);
  CHECK_NOTHROW(store.append(std::string(1024, 'a'), ok.span()));

  Batch bad(3);
  bad.owned[2].type.clear();
  bad.rebuild();
  CHECK_THROWS_AS(store.append("s", bad.span()), InvalidArgument);
  bad.owned[2].type = std::string(256, 't');
  bad.rebuild();
  CHECK_THROWS_AS(store.append("s", bad.span()), InvalidArgument);
  bad.owned[2].type.assign(1, 'T');
  bad.owned[2].source = std::string(1025, 's');
  bad.rebuild();
  CHECK_THROWS_AS(store.append("s", bad.span()), InvalidArgument);
  bad.owned[2].source.clear();
  bad.owned[2].content_type = std::string(256, 'c');
  bad.rebuild();
  CHECK_THROWS_AS(store.append("s", bad.span()), InvalidArgument);
  bad.owned[2].content_type.clear();
  bad.owned[2].data = std::string(101, 'd');
  bad.rebuild();
  CHECK_THROWS_AS(store.append("s", bad.span()), InvalidArgument);
  bad.owned[2].data = std::string(100, 'd');
  bad.rebuild();
  CHECK(store.stream_version("s") == 0);
  CHECK(store.head_position().value == head.value + 1);
  CHECK_NOTHROW(store.append("s", bad.span()));
}

TEST_CASE("options out of range are rejected at construction") {
  CHECK_THROWS_AS(EventStore({.segment_bytes = 1024}), InvalidArgument);
  CHECK_THROWS_AS(EventStore({.segment_bytes = 32u * 1024 * 1024}), InvalidArgument);
  CHECK_THROWS_AS(EventStore({.shards = 0}), InvalidArgument);
  CHECK_THROWS_AS(EventStore({.snapshots_per_stream = 0}), InvalidArgument);
  CHECK_THROWS_AS(EventStore({.max_payload_bytes = 65u * 1024 * 1024}), InvalidArgument);
}

TEST_CASE("more distinct types than the intern table holds is an InvalidArgument") {
  // 65,536 shapes fit; the next one is refused and the store keeps working.
  EventStore store;
  orchestrix::test::OwnedEventData e;
  for (int i = 0; i < 65536; ++i) {
    e.type = orchestrix::test::numbered("T", static_cast<std::uint64_t>(i));
    const EventData d = e.view();
    store.append("s", std::span<const EventData>(&d, 1));
  }
  e.type = "one-too-many";
  const EventData d = e.view();
  CHECK_THROWS_AS(store.append("s", std::span<const EventData>(&d, 1)), InvalidArgument);
  e.type = "T7";
  const EventData known = e.view();
  CHECK_NOTHROW(store.append("s", std::span<const EventData>(&known, 1)));
  CHECK(store.stream_version("s") == 65536);
}

TEST_CASE("an append rejected by its expected version adds nothing to the intern table") {
  // Regression: appends used to intern their shapes before the expected-version check, so a
  // rejected append kept its new type, source and content type strings and a shape id.
  alloc::InstrumentedResource inst(alloc::system_resource());
  EventStore store({.memory = &inst});
  Batch a(3);
  store.append("s", a.span());
  const std::uint64_t interned_before = store.memory_stats().interned_bytes;
  const std::size_t live_before = inst.bytes_live();
  Batch fresh(4);
  for (std::size_t i = 0; i < fresh.owned.size(); ++i) {
    fresh.owned[i].type = orchestrix::test::numbered("NewType", i);
    fresh.owned[i].source = orchestrix::test::numbered("/new/source/", i);
    fresh.owned[i].content_type = "application/x-new";
  }
  fresh.rebuild();
  CHECK_THROWS_AS(store.append("s", fresh.span(), ExpectedVersion::exact(41)), ConcurrencyError);
  CHECK_THROWS_AS(store.append("s", fresh.span(), ExpectedVersion::no_stream()), ConcurrencyError);
  CHECK_THROWS_AS(store.append("other", fresh.span(), ExpectedVersion::exact(0)), ConcurrencyError);
  CHECK(store.memory_stats().interned_bytes == interned_before);
  CHECK(inst.bytes_live() == live_before);
  CHECK(store.stream_version("s") == 2);
  CHECK_FALSE(store.stream_version("other").has_value());
  // Accepted, the same batch interns its shapes and reads back with them.
  CHECK(store.append("s", fresh.span(), ExpectedVersion::exact(2)).written);
  CHECK(store.memory_stats().interned_bytes > interned_before);
  const auto events = read_stream(store, "s");
  REQUIRE(events.size() == 7);
  CHECK(events[6].type == "NewType3");
  CHECK(events[6].source == "/new/source/3");
  CHECK(events[6].content_type == "application/x-new");
}

TEST_CASE("rejected appends with distinct new types do not use up the shape ids") {
  // Regression: each rejected append with a new type used to burn one of the 65,536 shape
  // ids, so after enough conflicts every later append with a new type failed for good.
  EventStore store;
  Batch a(1);
  store.append("s", a.span());
  orchestrix::test::OwnedEventData e;
  int conflicts = 0;
  for (std::uint64_t i = 0; i < 65536; ++i) {
    e.type = orchestrix::test::numbered("T", i);
    const EventData d = e.view();
    try {
      store.append("s", std::span<const EventData>(&d, 1), ExpectedVersion::exact(41));
    } catch (const ConcurrencyError&) {
      ++conflicts;
    }
  }
  CHECK(conflicts == 65536);
  CHECK(store.stream_version("s") == 0);
  e.type = "BrandNewType";
  const EventData d = e.view();
  CHECK_NOTHROW(store.append("s", std::span<const EventData>(&d, 1)));
  CHECK(store.stream_version("s") == 1);
  CHECK(read_stream(store, "s").back().type == "BrandNewType");
}

TEST_CASE("an event bigger than a segment gets a segment of its own") {
  EventStore store({.segment_bytes = 64 * 1024, .max_payload_bytes = 1024 * 1024});
  Batch big(3);
  big.owned[1].data = std::string(200 * 1024, 'z');
  big.rebuild();
  store.append("s", big.span());
  auto events = read_stream(store, "s");
  REQUIRE(events.size() == 3);
  CHECK(events[1].data == big.owned[1].data);
  CHECK(events[2].data == "e2");
}

TEST_CASE("exact with the largest version does not wrap around to an empty stream") {
  EventStore store;
  Batch a(1);
  CHECK_THROWS_AS(store.append("s", a.span(), ExpectedVersion::exact(UINT64_MAX)),
                  ConcurrencyError);
  CHECK_FALSE(store.stream_version("s").has_value());
}
