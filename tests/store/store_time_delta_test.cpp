// Event times far apart in one run: the record format stores each time as a delta from the
// previous record's, and two valid Timestamps can be further apart than an int64 holds.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "orchestrix/event_store.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::test::Batch;
using orchestrix::test::OwnedEvent;
using orchestrix::test::read_everything;
using orchestrix::test::read_stream;

namespace {

// 1700-01-01T00:00:00Z and 2200-01-01T00:00:00Z: 2200 - 1700 exceeds INT64_MAX nanoseconds.
constexpr std::int64_t kYear1700 = -8'520'336'000LL * 1'000'000'000LL;
constexpr std::int64_t kYear2200 = 7'258'118'400LL * 1'000'000'000LL;

std::int64_t time_at(std::size_t i) {
  switch (i % 4) {
    case 0:
      return kYear1700;
    case 1:
      return kYear2200;
    case 2:
      return kYear1700 + static_cast<std::int64_t>(i);
    default:
      return kYear2200 - static_cast<std::int64_t>(i);
  }
}

std::vector<std::int64_t> times_of(const std::vector<OwnedEvent>& events, std::string_view stream) {
  std::vector<std::int64_t> out;
  for (const OwnedEvent& e : events) {
    if (e.stream == stream) out.push_back(e.time);
  }
  return out;
}

}  // namespace

TEST_CASE("times from 1700 and 2200 in one batch read back exactly (no overflow in the delta)") {
  static_assert(kYear2200 > 0 && kYear1700 < 0 && kYear2200 > INT64_MAX + kYear1700);
  EventStore store({.segment_bytes = 64 * 1024});
  constexpr std::size_t kEvents = 150;  // three runs: 64 + 64 + 22
  Batch far(kEvents, "far");
  for (std::size_t i = 0; i < kEvents; ++i) far.owned[i].time = Timestamp{time_at(i)};
  far.rebuild();
  store.append("far", far.span());
  Batch dead(300, "dead");
  store.append("dead", dead.span());

  std::vector<std::int64_t> expected;
  for (std::size_t i = 0; i < kEvents; ++i) expected.push_back(time_at(i));
  CHECK(times_of(read_stream(store, "far"), "far") == expected);
  CHECK(times_of(read_everything(store), "far") == expected);
  // Starting inside a run sums the deltas of the records before the start.
  CHECK(times_of(read_stream(store, "far", 71), "far") ==
        std::vector<std::int64_t>(expected.begin() + 71, expected.end()));

  // Retention cuts into the middle of the second run: compaction re-encodes the first live
  // record of that run with a base time summed from the dead records' deltas.
  store.set_retention("far", RetentionPolicy::drop_before_snapshot());
  store.save_snapshot("far", {71, "Agg", {}});
  store.set_retention("dead", RetentionPolicy::drop_before_snapshot());
  store.save_snapshot("dead", {300, "Agg", {}});
  const CompactionResult r = store.compact({.min_dead_ratio = 0.1});
  REQUIRE(r.segments_retired > 0);
  REQUIRE(r.live_bytes_moved > 0);
  const std::vector<std::int64_t> live(expected.begin() + 71, expected.end());
  CHECK(times_of(read_stream(store, "far"), "far") == live);
  CHECK(times_of(read_stream(store, "far", 100), "far") ==
        std::vector<std::int64_t>(expected.begin() + 100, expected.end()));
  CHECK(times_of(read_everything(store), "far") == live);
}
