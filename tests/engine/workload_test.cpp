#include "orchestrix/workload.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "store_test_util.hpp"

using namespace orchestrix;

TEST_CASE("the seed workload produces the documented shape") {
  SeedWorkload w({.events = 250, .events_per_stream = 100, .seed = 7});
  CHECK(w.streams() == 3);
  WorkloadBatch b;
  std::set<std::string> streams;
  std::uint64_t total = 0;
  while (w.next(b)) {
    streams.insert(std::string(b.stream));
    for (std::size_t i = 0; i < b.events.size(); ++i) {
      const EventData& e = b.events[i];
      CHECK(e.type == "BenchmarkEvent");
      CHECK(e.source == "/benchmark");
      CHECK(e.content_type == "application/json");
      CHECK(orchestrix::test::text_of(e.data) ==
            orchestrix::test::numbered("{\"value\":", static_cast<std::uint64_t>(i)) + "}");
      REQUIRE(e.id.has_value());
      CHECK(e.id->version() == 4);
      CHECK(e.time.has_value());
    }
    total += b.events.size();
  }
  CHECK(total == 250);
  CHECK(streams == std::set<std::string>{"agg-0", "agg-1", "agg-2"});
}

TEST_CASE("the seed workload is deterministic for a seed and differs between seeds") {
  auto ids = [](std::uint64_t seed) {
    SeedWorkload w({.events = 300, .seed = seed, .wall_clock = WallClock::kNo});
    std::vector<std::pair<Uuid, std::int64_t>> out;
    WorkloadBatch b;
    while (w.next(b)) {
      for (const auto& e : b.events) out.emplace_back(*e.id, e.time->unix_nanos());
    }
    return out;
  };
  CHECK(ids(1) == ids(1));
  CHECK(ids(1) != ids(2));
  SeedWorkload w({.events = 100, .seed = 3, .wall_clock = WallClock::kNo});
  WorkloadBatch b;
  w.next(b);
  const Uuid first = *b.events[0].id;
  CHECK_FALSE(w.next(b));
  w.reset();
  REQUIRE(w.next(b));
  CHECK(*b.events[0].id == first);
}
