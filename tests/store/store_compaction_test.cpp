#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "orchestrix/workload.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::test::Batch;
using orchestrix::test::bytes_of;
using orchestrix::test::OwnedEvent;
using orchestrix::test::read_everything;
using orchestrix::test::read_stream;

namespace {

void append_seed(EventStore& store, std::uint64_t events, std::uint32_t per_stream = 100) {
  SeedWorkload w({.events = events, .events_per_stream = per_stream});
  WorkloadBatch b;
  while (w.next(b)) store.append(b.stream, b.events, ExpectedVersion::no_stream());
}

std::string agg(std::uint64_t i) { return orchestrix::test::numbered("agg-", i); }

// Every figure of memory_stats(), in one comparable value.
std::vector<std::uint64_t> figures(const StoreMemoryStats& m) {
  std::vector<std::uint64_t> out;
  m.for_each_field(
      [&](std::string_view, std::string_view, std::uint64_t bytes) { out.push_back(bytes); });
  for (const std::uint64_t v : {m.live_events, m.appended_events, m.segments, m.streams}) {
    out.push_back(v);
  }
  return out;
}

// n events of `stream` with 1000-byte payloads: 64 of them fill most of a 64 KiB segment.
void append_big(EventStore& store, std::string_view stream, std::size_t n) {
  Batch b(n, stream);
  for (auto& o : b.owned) o.data.resize(1000, 'x');
  b.rebuild();
  store.append(stream, b.span());
}

}  // namespace

TEST_CASE("dropping everything before head snapshots and compacting frees over 90% of the bytes") {
  alloc::InstrumentedResource inst(alloc::system_resource());
  EventStore store({.memory = &inst,
                    .segment_bytes = 64 * 1024,
                    .retention = RetentionPolicy::drop_before_snapshot()});
  append_seed(store, 100'000);
  const std::uint64_t before = inst.bytes_live();
  for (std::uint64_t i = 0; i < 1000; ++i) store.save_snapshot(agg(i), {100, "Agg", bytes_of("s")});
  const StoreMemoryStats marked = store.memory_stats();
  CHECK(marked.live_events == 0);
  CHECK(marked.dead_record_bytes > 0);
  CHECK(marked.total_bytes() == inst.bytes_live());
  const CompactionResult r = store.compact();
  CHECK(r.segments_retired > 0);
  CHECK(r.bytes_retired > 0);
  const StoreMemoryStats after = store.memory_stats();
  CHECK(after.total_bytes() == inst.bytes_live());
  CHECK(after.dead_record_bytes == 0);
  CHECK(after.retired_segment_bytes == 0);
  MESSAGE("held before " << before << " after " << inst.bytes_live());
  CHECK(inst.bytes_live() * 10 <= before);
}

TEST_CASE("reading below the retained range reports the first retained version") {
  EventStore store({.retention = RetentionPolicy::drop_before_snapshot()});
  Batch a(10);
  store.append("s", a.span());
  store.save_snapshot("s", {6, "Agg", {}});
  auto range = store.read("s", 2);
  CHECK(range.truncated());
  CHECK(range.first_version() == 6);
  CHECK(range.size() == 4);
  auto events = read_stream(store, "s", 0);
  REQUIRE(events.size() == 4);
  CHECK(events[0].version == 6);
  CHECK(events[0].data == "e6");
  CHECK_FALSE(store.read("s", 6).truncated());
  try {
    (void)store.read("s", 5, BelowRetained::kThrow);
    FAIL("expected ReadBelowRetained");
  } catch (const ReadBelowRetained& e) {
    CHECK(e.stream() == "s");
    CHECK(e.requested() == 5);
    CHECK(e.first_retained() == 6);
  }
  CHECK(store.memory_stats().live_events == 4);
}

TEST_CASE("keep_before_snapshot keeps K events before the latest snapshot") {
  EventStore store(
      {.segment_bytes = 64 * 1024, .retention = RetentionPolicy::keep_before_snapshot(10)});
  Batch a(100);
  store.append("s", a.span());
  const auto full = read_stream(store, "s");
  store.save_snapshot("s", {80, "Agg", {}});
  CHECK(store.read("s").first_version() == 70);
  store.compact({.min_dead_ratio = 0.01});
  auto kept = read_stream(store, "s");
  REQUIRE(kept.size() == 30);
  for (std::size_t i = 0; i < kept.size(); ++i) CHECK(kept[i] == full[70 + i]);
  store.save_snapshot("s", {5 + 80, "Agg", {}});
  CHECK(store.read("s").first_version() == 75);
}

TEST_CASE("a per-stream retention policy overrides the store's") {
  EventStore store;  // keep_all
  Batch a(10);
  store.append("keep", a.span());
  store.append("drop", a.span());
  store.set_retention("drop", RetentionPolicy::drop_before_snapshot());
  store.save_snapshot("keep", {10, "Agg", {}});
  store.save_snapshot("drop", {10, "Agg", {}});
  CHECK(read_stream(store, "keep").size() == 10);
  CHECK(read_stream(store, "drop").empty());
  CHECK_THROWS_AS(store.set_retention("missing", RetentionPolicy::keep_all()), InvalidArgument);
}

TEST_CASE("versions, positions, expected versions and retries behave the same after compaction") {
  EventStore store(
      {.segment_bytes = 64 * 1024, .retention = RetentionPolicy::drop_before_snapshot()});
  std::vector<Batch> batches;
  for (int i = 0; i < 20; ++i) {
    batches.emplace_back(50, "x", /*with_ids=*/true);
    store.append(agg(static_cast<std::uint64_t>(i % 4)), batches.back().span());
  }
  const auto all_before = read_everything(store);
  for (std::uint64_t s = 0; s < 4; ++s) store.save_snapshot(agg(s), {200, "Agg", {}});
  store.compact({.min_dead_ratio = 0.01});
  for (std::uint64_t s = 0; s < 4; ++s) CHECK(store.stream_version(agg(s)) == 249);
  CHECK(store.head_position().value == 1000);
  // The retained events keep their versions and positions, in the same global order.
  auto all_after = read_everything(store);
  REQUIRE(all_after.size() == 200);
  std::size_t j = 0;
  for (const auto& e : all_before) {
    if (e.version >= 200) REQUIRE(all_after[j++] == e);
  }
  // Expected versions work on the compacted streams.
  CHECK_THROWS_AS(store.append(agg(0), batches[0].span(), ExpectedVersion::exact(100)),
                  ConcurrencyError);
  // The last batch of agg-0 (versions 200..249) is retained: its retry is recognised.
  AppendResult retry = store.append(agg(0), batches[16].span(), ExpectedVersion::exact(199));
  CHECK_FALSE(retry.written);
  CHECK(retry.first_position == Position{all_before[16 * 50].position});
  Batch more(5);
  AppendResult r = store.append(agg(0), more.span(), ExpectedVersion::exact(249));
  CHECK(r.first_version == 250);
  CHECK(r.first_position == Position{1000});
}

TEST_CASE("views taken before compaction stay valid until their range is gone") {
  alloc::InstrumentedResource inst(alloc::system_resource());
  EventStore store({.memory = &inst,
                    .segment_bytes = 64 * 1024,
                    .retention = RetentionPolicy::drop_before_snapshot()});
  append_seed(store, 20'000);
  std::vector<EventView> views;
  {
    auto range = store.read("agg-150");
    for (const EventView& e : range) views.push_back(e);
    auto all = store.read_all();
    for (std::uint64_t i = 0; i < 200; ++i) {
      if (i != 150) store.save_snapshot(agg(i), {100, "Agg", {}});
    }
    const CompactionResult r = store.compact();
    CHECK(r.segments_retired > 0);
    // The ranges pin the retired segments: memory waits, views read the old bytes.
    CHECK(store.memory_stats().retired_segment_bytes > 0);
    CHECK(store.memory_stats().total_bytes() == inst.bytes_live());
    for (std::size_t i = 0; i < views.size(); ++i) {
      CHECK(orchestrix::test::text_of(views[i].data()) ==
            orchestrix::test::numbered("{\"value\":", i) + "}");
    }
    std::uint64_t n = 0;
    for ([[maybe_unused]] const EventView& e : all) ++n;
    CHECK(n > 0);
    CHECK(read_stream(store, "agg-150").size() == 100);
  }
  CHECK(store.memory_stats().retired_segment_bytes == 0);
  CHECK(store.memory_stats().total_bytes() == inst.bytes_live());
}

TEST_CASE("a range whose remaining events are removed while it is read throws ReadBelowRetained") {
  EventStore store({.retention = RetentionPolicy::drop_before_snapshot()});
  Batch a(200);
  store.append("s", a.span());
  auto range = store.read("s");
  auto it = range.begin();
  for (int i = 0; i < 10; ++i) ++it;  // inside the first 64-event run
  store.save_snapshot("s", {150, "Agg", {}});
  CHECK_THROWS_AS(
      [&] {
        for (; it != range.end(); ++it) {
        }
      }(),
      ReadBelowRetained);
}

TEST_CASE("advancing a live range onto events a snapshot just removed throws at once") {
  for (const BelowRetained mode : {BelowRetained::kClamp, BelowRetained::kThrow}) {
    CAPTURE(static_cast<int>(mode));
    EventStore store({.retention = RetentionPolicy::drop_before_snapshot()});
    Batch a(200);
    store.append("s", a.span());
    auto range = store.read("s", 0, mode);
    auto it = range.begin();
    for (int i = 0; i < 10; ++i) ++it;  // at version 10, inside the first 64-event run
    REQUIRE(it->version() == 10);
    // Removing only what the range has already passed changes nothing for the next step.
    store.save_snapshot("s", {11, "Agg", {}});
    ++it;
    REQUIRE(it != range.end());
    CHECK(it->version() == 11);
    // The next event (12) is removed now, though it sits in the run the iterator is decoding.
    store.save_snapshot("s", {13, "Agg", {}});
    try {
      ++it;
      FAIL("advancing onto a removed event must throw, yielded version " << it->version());
    } catch (const ReadBelowRetained& e) {
      CHECK(e.requested() == 12);
      CHECK(e.first_retained() == 13);
    }
  }
}

TEST_CASE("compaction runs automatically past the dead-ratio threshold") {
  alloc::InstrumentedResource inst(alloc::system_resource());
  EventStore store({.memory = &inst,
                    .segment_bytes = 64 * 1024,
                    .retention = RetentionPolicy::drop_before_snapshot(),
                    .auto_compact_dead_ratio = 0.5});
  append_seed(store, 20'000);
  const auto before = inst.bytes_live();
  for (std::uint64_t i = 0; i < 200; ++i) store.save_snapshot(agg(i), {100, "Agg", {}});
  CHECK(store.memory_stats().dead_record_bytes < 64 * 1024);
  CHECK(inst.bytes_live() < before / 2);
}

TEST_CASE("compaction runs automatically past the soft memory limit") {
  alloc::InstrumentedResource inst(alloc::system_resource());
  EventStore store({.memory = &inst,
                    .segment_bytes = 64 * 1024,
                    .retention = RetentionPolicy::drop_before_snapshot(),
                    .soft_limit_bytes = 400 * 1024});
  // Keep snapshotting everything: the store must stay near the soft limit while 100k events
  // (~3.5 MB of records) flow through it.
  SeedWorkload w({.events = 100'000});
  WorkloadBatch b;
  std::uint64_t peak = 0;
  while (w.next(b)) {
    store.append(b.stream, b.events);
    store.save_snapshot(b.stream, {b.events.size(), "Agg", {}});
    peak = std::max<std::uint64_t>(peak, inst.bytes_live());
  }
  MESSAGE("peak " << peak);
  CHECK(peak < 1024 * 1024);
  CHECK(store.memory_stats().appended_events == 100'000);
}

TEST_CASE("at the budget an append fails cleanly and succeeds again after compaction") {
  alloc::InstrumentedResource inst(alloc::system_resource());
  alloc::BudgetResource budget(&inst, 2 * 1024 * 1024);
  EventStore store({.memory = &budget,
                    .segment_bytes = 64 * 1024,
                    .retention = RetentionPolicy::drop_before_snapshot()});
  SeedWorkload w({.events = 1'000'000});
  WorkloadBatch b;
  std::uint64_t streams = 0;
  bool hit = false;
  while (w.next(b)) {
    const auto before =
        read_everything(store, Position{store.head_position().value -
                                        std::min<std::uint64_t>(store.head_position().value, 10)});
    const Position head = store.head_position();
    try {
      store.append(b.stream, b.events, ExpectedVersion::no_stream());
      ++streams;
    } catch (const alloc::BudgetExceeded&) {
      hit = true;
      CHECK(store.head_position() == head);
      CHECK_FALSE(store.stream_version(b.stream).has_value());
      CHECK(read_everything(
                store, Position{head.value - std::min<std::uint64_t>(head.value, 10)}) == before);
      break;
    }
  }
  REQUIRE(hit);
  CHECK(read_stream(store, "agg-0").size() == 100);  // still serves reads
  for (std::uint64_t i = 0; i < streams; ++i) store.save_snapshot(agg(i), {100, "Agg", {}});
  store.compact();
  CHECK_NOTHROW(store.append(b.stream, b.events, ExpectedVersion::no_stream()));
  CHECK(store.stream_version(b.stream) == 99);
}

TEST_CASE("a compaction that fails at any allocation leaves the store as it was") {
  for (std::uint64_t n = 1; n <= 4; ++n) {
    CAPTURE(n);
    alloc::InstrumentedResource inst(alloc::system_resource());
    alloc::FailingResource failing(&inst);
    EventStore store({.memory = &failing,
                      .segment_bytes = 64 * 1024,
                      .retention = RetentionPolicy::drop_before_snapshot()});
    append_seed(store, 10'000);
    for (std::uint64_t i = 0; i < 50; ++i) store.save_snapshot(agg(i), {100, "Agg", {}});
    const auto before = read_everything(store);
    failing.set_fail_at(n);
    try {
      store.compact();
    } catch (const std::bad_alloc&) {
    }
    failing.set_fail_at(0);
    CHECK(read_everything(store) == before);
    CHECK(store.memory_stats().total_bytes() == inst.bytes_live());
    store.compact();
    CHECK(read_everything(store) == before);
    CHECK(store.memory_stats().dead_record_bytes == 0);
  }
}

TEST_CASE(
    "a compaction that runs out of memory midway keeps what it did and the store consistent") {
  // Log of four 64 KiB segments: [old x64] [old x36, keep x28] [keep x64] [keep x8, tail x30].
  // Retention kills old 0..89 and tail 0..24, so compaction rewrites two groups, {0, 1} and the
  // sparse tail, around the dense segment 2. Fail every allocation in turn: before the first
  // group is rewritten compact() throws and nothing changed; during the second group it stops
  // with out_of_memory, the first group rewritten. Either way every event reads back the same,
  // the accounting is exact and the tail is open to appends.
  alloc::InstrumentedResource inst(alloc::system_resource());
  alloc::FailingResource failing(&inst);
  bool threw = false;
  bool stopped = false;
  bool succeeded = false;
  for (std::uint64_t n = 1; !succeeded; ++n) {
    CAPTURE(n);
    REQUIRE(n < 100);
    failing.set_fail_at(0);
    EventStore store({.memory = &failing,
                      .segment_bytes = 64 * 1024,
                      .retention = RetentionPolicy::drop_before_snapshot()});
    append_big(store, "old", 100);
    append_big(store, "keep", 100);
    append_big(store, "tail", 30);
    store.save_snapshot("old", {90, "Agg", {}});
    store.save_snapshot("tail", {25, "Agg", {}});
    const StoreMemoryStats before = store.memory_stats();
    REQUIRE(before.segments == 4);
    const auto all = read_everything(store);
    const auto old_events = read_stream(store, "old");
    const auto keep_events = read_stream(store, "keep");
    const auto tail_events = read_stream(store, "tail");
    REQUIRE(all.size() == 10 + 100 + 5);

    failing.set_fail_at(n);
    CompactionResult r;
    bool failed = false;
    try {
      r = store.compact();
    } catch (const alloc::InjectedAllocationFailure&) {
      failed = true;
    }
    failing.set_fail_at(0);

    CHECK(read_everything(store) == all);
    CHECK(read_stream(store, "old") == old_events);
    CHECK(read_stream(store, "keep") == keep_events);
    CHECK(read_stream(store, "tail") == tail_events);
    const StoreMemoryStats after = store.memory_stats();
    CHECK(after.total_bytes() == inst.bytes_live());
    if (failed) {
      threw = true;
      CHECK(figures(after) == figures(before));
    } else if (r.out_of_memory) {
      stopped = true;
      CHECK(r.segments_retired == 2);  // the first group, {0, 1}
      CHECK(r.segments_written == 1);
      CHECK(after.segments == 3);
      CHECK(after.dead_record_bytes > 0);  // the tail's
      CHECK(after.dead_record_bytes < before.dead_record_bytes);
      CHECK(after.live_events == before.live_events);
    } else {
      succeeded = true;
      CHECK(r.segments_written == 2);
      CHECK(r.segments_retired == 3);
      CHECK(after.segments == 3);
      CHECK(after.dead_record_bytes == 0);
      continue;
    }
    // The tail is open: a small append still goes into it.
    const std::uint64_t segments = after.segments;
    Batch one(1, "after");
    store.append("after", one.span());
    CHECK(store.memory_stats().segments == segments);
    // The next compaction finishes the job.
    const CompactionResult again = store.compact();
    CHECK_FALSE(again.out_of_memory);
    CHECK(store.memory_stats().dead_record_bytes == 0);
    CHECK(read_stream(store, "keep") == keep_events);
    CHECK(read_stream(store, "tail") == tail_events);
    CHECK(store.memory_stats().total_bytes() == inst.bytes_live());
  }
  CHECK(threw);
  CHECK(stopped);
}
