// Fault injection: fail the Nth allocation of an append (or snapshot) for every N. Each attempt
// either succeeds completely or throws and leaves the store exactly as it was (the invariant
// walks of the store and of its resource pass after every attempt); afterwards the store keeps
// working.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_check.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::test::OwnedEvent;
using orchestrix::test::OwnedEventData;

namespace {

struct Fixture {
  alloc::InstrumentedResource inst{alloc::system_resource()};
  alloc::FailingResource failing{&inst};
  EventStore store{{.memory = &failing, .segment_bytes = 64 * 1024, .shards = 2}};

  Fixture() {
    for (int s = 0; s < 5; ++s) {
      std::vector<OwnedEventData> owned(40);
      std::vector<EventData> data;
      for (int i = 0; i < 40; ++i) {
        owned[i].type = "Seeded";
        owned[i].data = std::string(100, static_cast<char>('a' + s));
        owned[i].id = Uuid::v4();
        owned[i].time = Timestamp{1'000 + i};
      }
      for (auto& o : owned) data.push_back(o.view());
      store.append(orchestrix::test::numbered("pre-", static_cast<std::uint64_t>(s)), data);
    }
  }
};

struct State {
  std::vector<OwnedEvent> all;
  std::vector<std::vector<OwnedEvent>> streams;
  std::vector<std::optional<std::uint64_t>> versions;
  std::uint64_t head = 0;
  friend bool operator==(const State&, const State&) = default;
};

const std::vector<std::string> kStreams = {"pre-0", "pre-3", "target", "fresh"};

State capture(const EventStore& store) {
  State s;
  s.all = orchestrix::test::read_everything(store);
  for (const auto& name : kStreams) {
    s.streams.push_back(orchestrix::test::read_stream(store, name));
    s.versions.push_back(store.stream_version(name));
  }
  s.head = store.head_position().value;
  return s;
}

// A batch that needs many allocation sites: a new stream, a new type and source, several new
// segments and locator growth.
struct BigBatch {
  std::vector<OwnedEventData> owned;
  std::vector<EventData> data;
  BigBatch() : owned(300) {
    for (std::size_t i = 0; i < owned.size(); ++i) {
      owned[i].type = "NeverSeenBefore";
      owned[i].source = "/fault";
      owned[i].data = std::string(700, 'z');
      owned[i].id = Uuid::v4();
      owned[i].time = Timestamp{static_cast<std::int64_t>(5'000 + i)};
    }
    for (auto& o : owned) data.push_back(o.view());
  }
};

}  // namespace

TEST_CASE("an append that fails at any allocation leaves the store as it was") {
  BigBatch batch;
  std::uint64_t needed = 0;
  {
    Fixture f;
    f.failing.set_fail_at(0);
    f.store.append("fresh", batch.data);
    needed = f.failing.allocate_calls();
  }
  REQUIRE(needed >= 5);
  int failures = 0;
  for (std::uint64_t n = 1; n <= needed + 1; ++n) {
    CAPTURE(n);
    Fixture f;
    const State before = capture(f.store);
    const auto records_before = f.store.memory_stats().record_bytes;
    f.failing.set_fail_at(n);
    bool threw = false;
    try {
      f.store.append("fresh", batch.data, ExpectedVersion::no_stream());
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    f.failing.set_fail_at(0);
    orchestrix::test::check_store(f.store);
    f.inst.check_invariants();
    const State after = capture(f.store);
    const StoreMemoryStats m = f.store.memory_stats();
    CHECK(m.total_bytes() == f.inst.bytes_live());
    if (threw) {
      ++failures;
      REQUIRE(after == before);
      CHECK(m.record_bytes == records_before);
    } else {
      REQUIRE(after.head == before.head + batch.data.size());
    }
    // The store keeps working: the same append now succeeds (or is an idempotent retry).
    AppendResult r = f.store.append("fresh", batch.data, ExpectedVersion::no_stream());
    CHECK(r.written == threw);
    REQUIRE(orchestrix::test::read_stream(f.store, "fresh").size() == batch.data.size());
    orchestrix::test::check_store(f.store);
  }
  CHECK(failures == static_cast<int>(needed));
}

TEST_CASE("an append to an existing stream that fails at any allocation changes nothing") {
  BigBatch batch;
  for (std::uint64_t n = 1; n <= 12; ++n) {
    CAPTURE(n);
    Fixture f;
    const State before = capture(f.store);
    f.failing.set_fail_at(n);
    bool threw = false;
    try {
      f.store.append("pre-3", batch.data, ExpectedVersion::exact(39));
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    f.failing.set_fail_at(0);
    orchestrix::test::check_store(f.store);
    if (threw) REQUIRE(capture(f.store) == before);
    CHECK(f.store.append("pre-3", batch.data, ExpectedVersion::exact(39)).written == threw);
    CHECK(f.store.stream_version("pre-3") == 339);
    orchestrix::test::check_store(f.store);
    f.inst.check_invariants();
  }
}

TEST_CASE("a snapshot that fails at any allocation keeps the previous snapshot") {
  for (std::uint64_t n = 1; n <= 6; ++n) {
    CAPTURE(n);
    Fixture f;
    f.store.save_snapshot("pre-1", {10, "Old", orchestrix::test::bytes_of("old")});
    f.failing.set_fail_at(n);
    bool threw = false;
    try {
      f.store.save_snapshot("pre-1", {20, "BrandNewType", orchestrix::test::bytes_of("new")});
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    f.failing.set_fail_at(0);
    orchestrix::test::check_store(f.store);
    f.inst.check_invariants();
    auto s = f.store.load_snapshot("pre-1");
    REQUIRE(s.has_value());
    CHECK(s->version() == (threw ? 10u : 20u));
    CHECK(f.store.memory_stats().total_bytes() == f.inst.bytes_live());
  }
}
