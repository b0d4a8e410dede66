// How one append lays its batch out in the log: runs of up to 64 records, cut only where a
// segment fills up, every field read back as appended. Batches cross segment ends, exceed the
// 16,384 events whose run sizes are planned before the log lock, mix shapes, payload sizes and
// optional fields, and hold records larger than a segment.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "orchestrix/event_store.hpp"
#include "store_access.hpp"
#include "store_check.hpp"
#include "store_impl.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using namespace orchestrix::test;
using orchestrix::detail::StoreAccess;

namespace {

constexpr std::size_t kSmallSegment = 64 * 1024;

// A deterministic batch: `shapes` types, payloads of 0..max_payload bytes, some events with
// ids, times, correlation and causation ids. Times grow by irregular steps (1- to 3-byte deltas)
// and sometimes go back.
Batch varied_batch(std::size_t n, std::uint64_t seed, int shapes, std::size_t max_payload) {
  std::mt19937_64 rng(seed);
  Batch b(n);
  std::int64_t time = 1'767'225'600'000'000'000;
  for (std::size_t i = 0; i < n; ++i) {
    OwnedEventData& o = b.owned[i];
    const std::uint64_t r = rng();
    o.type = numbered("Type", r % static_cast<std::uint64_t>(shapes));
    o.source = (r >> 8) % 3 == 0 ? "/src" : "";
    o.content_type = (r >> 8) % 3 == 1 ? "application/json" : "";
    o.data = std::string(static_cast<std::size_t>((r >> 16) % (max_payload + 1)), 'd');
    if (!o.data.empty()) o.data[0] = static_cast<char>('a' + i % 26);
    if ((r >> 32) % 4 != 0) {
      time += static_cast<std::int64_t>((r >> 36) % 3 == 0 ? (r >> 40) % 5'000'000 : 250);
      if ((r >> 44) % 50 == 0) time -= 1'000'000;
      o.time = Timestamp{time};
    }
    if ((r >> 48) % 2 == 0) o.id = Uuid::v4_from_bits(seed, i);
    if ((r >> 50) % 5 == 0) o.correlation_id = Uuid::v4_from_bits(i, seed);
    if ((r >> 53) % 7 == 0) o.causation_id = Uuid::v4_from_bits(i + 1, seed + 1);
  }
  b.rebuild();
  return b;
}

// Checks that `stream` holds exactly `b` (from version 0, at positions from first_position).
void check_stream(const EventStore& store, std::string_view stream, const Batch& b,
                  std::uint64_t first_position) {
  const std::vector<OwnedEvent> got = read_stream(store, stream);
  REQUIRE(got.size() == b.owned.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const OwnedEventData& want = b.owned[i];
    const OwnedEvent& e = got[i];
    CHECK(e.version == i);
    CHECK(e.position == first_position + i);
    CHECK(e.type == want.type);
    CHECK(e.source == want.source);
    CHECK(e.content_type == want.content_type);
    CHECK(e.data == want.data);
    if (want.id) CHECK(e.id == *want.id);
    if (want.time) CHECK(e.time == want.time->unix_nanos());
    CHECK(e.correlation_id == want.correlation_id);
    CHECK(e.causation_id == want.causation_id);
  }
}

// Runs of `stream` (one locator each): every one <= 64 records; a run shorter than 64 ends the
// batch, its segment's reserved space, or a 64-record stretch of the batch.
std::size_t runs_of(EventStore& store, std::string_view stream) {
  detail::StreamState* st = StoreAccess::stream(store, stream);
  REQUIRE(st != nullptr);
  for (std::size_t k = 0; k + 1 < st->locators.size(); ++k) {
    CHECK(st->locators[k + 1].first_version - st->locators[k].first_version <= 64);
  }
  return st->locators.size();
}

}  // namespace

TEST_CASE("a batch within one segment is laid out in runs of 64 records") {
  EventStore store;
  const Batch b = varied_batch(1'000, 1, 1, 40);
  store.append("s", b.span());
  CHECK(runs_of(store, "s") == 16);  // ceil(1000 / 64)
  check_stream(store, "s", b, 0);
  check_store(store);
}

TEST_CASE("a batch across segment ends cuts a run only where a segment fills up") {
  EventStore store({.segment_bytes = kSmallSegment});
  // Leave the tail partly used, so the big batch starts mid-segment.
  const Batch first = varied_batch(37, 2, 3, 100);
  store.append("a", first.span());
  const Batch b = varied_batch(10'000, 3, 5, 120);
  store.append("b", b.span());
  const std::uint64_t segments = store.memory_stats().segments;
  CHECK(segments >= 10);
  // One run per 64 events, plus at most one extra per segment end the batch crosses.
  const std::size_t runs = runs_of(store, "b");
  CHECK(runs >= 157);  // ceil(10000 / 64)
  CHECK(runs <= 157 + segments);
  // The same batch again: its shapes are known now, so append() plans its runs before taking
  // any lock (the first time, the plan waited for the new shapes to be interned).
  store.append("c", b.span());
  CHECK(runs_of(store, "c") <= 157 + store.memory_stats().segments - segments + 1);
  check_stream(store, "a", first, 0);
  check_stream(store, "b", b, 37);
  check_stream(store, "c", b, 37 + 10'000);
  check_store(store);
}

TEST_CASE("a batch longer than the planned runs reads back exactly") {
  EventStore store({.segment_bytes = kSmallSegment});
  const Batch b = varied_batch(20'000, 4, 2, 60);  // 313 runs: past the 256 sized up front
  store.append("big", b.span());
  const Batch after = varied_batch(100, 5, 2, 60);
  store.append("next", after.span());
  check_stream(store, "big", b, 0);
  check_stream(store, "next", after, 20'000);
  check_store(store);
}

TEST_CASE("records larger than a segment get segments of their own inside a batch") {
  EventStore store({.segment_bytes = kSmallSegment, .max_payload_bytes = 1024 * 1024});
  Batch b = varied_batch(200, 6, 3, 30);
  b.owned[0].data = std::string(100 * 1024, 'x');
  b.owned[70].data = std::string(70 * 1024, 'y');
  b.owned[71].data = std::string(65 * 1024, 'z');
  b.owned[199].data = std::string(kSmallSegment, 'w');
  b.rebuild();
  store.append("huge", b.span());
  check_stream(store, "huge", b, 0);
  check_store(store);
}

TEST_CASE("one-event appends to many streams read back in order") {
  EventStore store({.segment_bytes = kSmallSegment});
  const Batch b = varied_batch(3'000, 7, 4, 200);
  for (std::size_t i = 0; i < b.events.size(); ++i) {
    store.append(numbered("s", i % 100), std::span<const EventData>(&b.events[i], 1));
  }
  const std::vector<OwnedEvent> all = read_everything(store);
  REQUIRE(all.size() == b.events.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].position == i);
    CHECK(all[i].stream == numbered("s", i % 100));
    CHECK(all[i].version == i / 100);
    CHECK(all[i].data == b.owned[i].data);
    CHECK(all[i].type == b.owned[i].type);
  }
  check_store(store);
}
