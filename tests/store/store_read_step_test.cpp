// The per-event step of stream reads: every record form through the inline decoder, runs taken
// in place (back to back in a segment, also after compaction packed them with position gaps),
// the range's end inside a run, and retention checked at a run boundary.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "format/record_codec.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_access.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::test::Batch;
using orchestrix::test::OwnedEvent;
using orchestrix::test::OwnedEventData;
using orchestrix::test::read_everything;
using orchestrix::test::read_stream;

namespace {

// Event i of a stream whose records vary in every part the decoder reads: three shapes in an
// irregular order, each combination of correlation and causation ids, payload lengths on both
// sides of the 1-, 2- and 3-byte varint limits, time deltas of 1 to 9 varint bytes and both
// signs.
OwnedEventData varied(std::uint64_t i) {
  static const char* const kTypes[] = {"Opened", "Renamed", "Closed"};
  static const std::size_t kSizes[] = {0, 1, 127, 128, 300, 16383, 16384, 5};
  static const std::int64_t kDeltas[] = {0,
                                         1,
                                         -1,
                                         63,
                                         64,
                                         -65,
                                         8191,
                                         8192,
                                         1'000'000'007,
                                         -4'000'000'000'000'000'000,
                                         4'000'000'000'000'000'000};
  OwnedEventData e;
  e.type = kTypes[(i * i + i / 5) % 3];
  e.source = i % 4 == 0 ? "" : "/src";
  e.content_type = i % 3 == 1 ? "application/json" : "";
  e.data = std::string(kSizes[i % 8], static_cast<char>('a' + i % 26));
  e.id = Uuid::v4();
  std::int64_t t = 1'700'000'000'000'000'000;
  for (std::uint64_t k = 0; k <= i; ++k) t += kDeltas[k % 11];
  e.time = Timestamp{t};
  if (i % 2 == 1) e.correlation_id = Uuid::v4();
  if (i % 3 == 0) e.causation_id = Uuid::v7();
  return e;
}

OwnedEvent expected_of(const OwnedEventData& d, std::string_view stream, std::uint64_t version,
                       std::uint64_t position) {
  return OwnedEvent{std::string(stream),
                    version,
                    position,
                    *d.id,
                    d.type,
                    d.source,
                    d.content_type,
                    d.data,
                    d.time->unix_nanos(),
                    d.correlation_id,
                    d.causation_id};
}

}  // namespace

TEST_CASE("every record form decodes exactly through the read step, from any version") {
  EventStore store;
  std::vector<OwnedEventData> owned;
  for (std::uint64_t i = 0; i < 300; ++i) owned.push_back(varied(i));
  std::vector<EventData> events;
  for (const auto& o : owned) events.push_back(o.view());
  store.append("s", events);  // one batch: five runs back to back in one segment

  for (std::uint64_t from : {0u, 1u, 62u, 63u, 64u, 65u, 127u, 128u, 299u}) {
    CAPTURE(from);
    const auto got = read_stream(store, "s", from);
    REQUIRE(got.size() == 300 - from);
    for (std::size_t k = 0; k < got.size(); ++k) {
      const std::uint64_t v = from + k;
      REQUIRE(got[k] == expected_of(owned[v], "s", v, v));
    }
  }
  // A copy of a view keeps its own fields while the iterator moves on.
  auto range = store.read("s");
  auto it = range.begin();
  const EventView first = *it;
  ++it;
  CHECK(first.version() == 0);
  CHECK(first.type() == owned[0].type);
  CHECK(first.id() == *owned[0].id);
  CHECK(first.causation_id() == owned[0].causation_id);
  CHECK(it->version() == 1);
  CHECK(it->type() == owned[1].type);
  CHECK(it->correlation_id() == owned[1].correlation_id);
}

TEST_CASE("a default-constructed view is empty with a nil id") {
  const EventView v;
  CHECK(v.id() == Uuid{});
  CHECK(v.stream().empty());
  CHECK(v.type().empty());
  CHECK(v.data().empty());
  CHECK_FALSE(v.correlation_id().has_value());
  CHECK_FALSE(v.causation_id().has_value());
}

TEST_CASE("a range made mid-stream stops at its end although the next run follows in place") {
  EventStore store;
  Batch a(70, "a");
  store.append("s", a.span());
  auto range = store.read("s", 3);
  Batch b(70, "b");
  store.append("s", b.span());  // its runs start right after the range's last run
  std::uint64_t n = 0;
  for (const EventView& e : range) {
    CHECK(e.version() == 3 + n);
    ++n;
  }
  CHECK(n == 67);
  CHECK(read_stream(store, "s").size() == 140);
}

TEST_CASE("runs packed back to back by compaction keep their positions") {
  EventStore store({.segment_bytes = 64 * 1024});
  // Interleaved batches: each "a" batch is two runs (64 + 6), then "b" takes the next positions.
  constexpr int kRounds = 80;
  constexpr std::uint64_t kEvents = 70 * kRounds;
  std::vector<OwnedEvent> before;
  for (int round = 0; round < kRounds; ++round) {
    Batch a(70, orchestrix::test::numbered("a", static_cast<std::uint64_t>(round)) + "-");
    Batch b(70, "b");
    store.append("a", a.span());
    store.append("b", b.span());
  }
  before = read_stream(store, "a");
  REQUIRE(before.size() == kEvents);
  // Drop all of "b" and compact: the fresh segments hold the runs of "a" back to back, with
  // gaps in position where "b" was.
  store.set_retention("b", RetentionPolicy::drop_before_snapshot());
  store.save_snapshot("b", {kEvents, "B", {}});
  const CompactionResult r = store.compact({.min_dead_ratio = 0.01});
  REQUIRE(r.segments_written > 0);

  // The layout this test is about: consecutive runs of "a", adjacent in one segment, whose
  // positions do not follow on.
  detail::StreamState* st = detail::StoreAccess::stream(store, "a");
  REQUIRE(st != nullptr);
  int packed_with_gap = 0;
  for (std::size_t i = 0; i + 1 < st->locators.size(); ++i) {
    const detail::Locator& x = st->locators[i];
    const detail::Locator& y = st->locators[i + 1];
    if (x.segment != y.segment || x.offset + x.bytes != y.offset) continue;
    detail::RunHeader hx;
    detail::RunHeader hy;
    detail::decode_run_header(x.segment->data() + x.offset, hx);
    detail::decode_run_header(y.segment->data() + y.offset, hy);
    if (hx.first_position + hx.count != hy.first_position) ++packed_with_gap;
  }
  REQUIRE(packed_with_gap > 10);

  CHECK(read_stream(store, "a") == before);
  for (std::uint64_t from :
       {std::uint64_t{0}, std::uint64_t{69}, std::uint64_t{70}, std::uint64_t{1000}, kEvents - 1}) {
    const auto got = read_stream(store, "a", from);
    REQUIRE(got.size() == kEvents - from);
    for (std::size_t k = 0; k < got.size(); ++k) REQUIRE(got[k] == before[from + k]);
  }
  CHECK(read_everything(store) == before);  // "b" is gone: the log holds "a" only
  detail::StoreAccess::check_invariants(store);
}

TEST_CASE("advancing past the end of a run onto events a snapshot just removed throws") {
  for (const BelowRetained mode : {BelowRetained::kClamp, BelowRetained::kThrow}) {
    CAPTURE(static_cast<int>(mode));
    EventStore store({.retention = RetentionPolicy::drop_before_snapshot()});
    Batch a(200);
    store.append("s", a.span());  // runs 0..63, 64..127, ... back to back
    auto range = store.read("s", 0, mode);
    auto it = range.begin();
    for (int i = 0; i < 63; ++i) ++it;
    REQUIRE(it->version() == 63);  // the last event of the first run
    // Removing only what the range has passed: the next run is read as usual.
    store.save_snapshot("s", {64, "Agg", {}});
    ++it;
    REQUIRE(it != range.end());
    CHECK(it->version() == 64);
    for (int i = 0; i < 63; ++i) ++it;
    REQUIRE(it->version() == 127);  // the last event of the second run
    // The first event of the next run is removed now.
    store.save_snapshot("s", {129, "Agg", {}});
    try {
      ++it;
      FAIL("advancing onto a removed event must throw, yielded version " << it->version());
    } catch (const ReadBelowRetained& e) {
      CHECK(e.requested() == 128);
      CHECK(e.first_retained() == 129);
    }
  }
}
