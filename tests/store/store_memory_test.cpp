#include <doctest/doctest.h>

#include <string>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "orchestrix/workload.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::test::Batch;
using orchestrix::test::bytes_of;

namespace {

void append_seed(EventStore& store, std::uint64_t events) {
  SeedWorkload w({.events = events});
  WorkloadBatch b;
  while (w.next(b)) store.append(b.stream, b.events, ExpectedVersion::no_stream());
}

}  // namespace

TEST_CASE("memory_stats adds up to exactly what the instrumented resource holds live") {
  alloc::InstrumentedResource inst(alloc::system_resource());
  {
    EventStore store({.memory = &inst, .segment_bytes = 64 * 1024});
    CHECK(store.memory_stats().total_bytes() == inst.bytes_live());
    append_seed(store, 20'000);
    store.save_snapshot("agg-3", {100, "Agg", bytes_of(std::string(300, 's'))});
    auto handle = store.load_snapshot("agg-3");
    store.save_snapshot("agg-3", {100, "Agg", bytes_of("newer")});
    const StoreMemoryStats m = store.memory_stats();
    CHECK(m.total_bytes() == inst.bytes_live());
    CHECK(m.live_events == 20'000);
    CHECK(m.appended_events == 20'000);
    CHECK(m.streams == 200);
    CHECK(m.record_bytes > 0);
    CHECK(m.locator_bytes > 0);
    CHECK(m.stream_table_bytes > 0);
    CHECK(m.stream_metadata_bytes > 0);
    CHECK(m.interned_bytes > 0);
    CHECK(m.snapshot_bytes > 0);
    CHECK(m.retired_segment_bytes == 0);
  }
  CHECK(inst.bytes_live() == 0);  // the store gave everything back
}

TEST_CASE("every category is reported by for_each_field and sums to total_bytes") {
  EventStore store;
  Batch a(10);
  store.append("s", a.span());
  const StoreMemoryStats m = store.memory_stats();
  std::uint64_t sum = 0;
  int fields = 0;
  m.for_each_field([&](std::string_view name, std::string_view description, std::uint64_t v) {
    CHECK_FALSE(name.empty());
    CHECK_FALSE(description.empty());
    sum += v;
    ++fields;
  });
  CHECK(fields == 16);  // log_buffer_bytes: the write-ahead log (durability.md)
  CHECK(sum == m.total_bytes());
  CHECK(m.bytes_per_event() == doctest::Approx(static_cast<double>(sum) / 10.0));
}

TEST_CASE("the seed workload costs at most 64 bytes per event in total") {
  alloc::InstrumentedResource inst(alloc::system_resource());
  EventStore store({.memory = &inst});
  append_seed(store, 100'000);
  const StoreMemoryStats m = store.memory_stats();
  MESSAGE("seed 100k: " << m.bytes_per_event() << " bytes/event, records "
                        << static_cast<double>(m.record_bytes) / 100'000.0);
  CHECK(m.total_bytes() == inst.bytes_live());
  CHECK(m.bytes_per_event() <= 64.0);
}

TEST_CASE("records are compact: a seed event's record is under 40 bytes") {
  // 16 (id) + 13 (payload) + ~4 (shape, time delta, length) + run headers per 64 events.
  EventStore store;
  append_seed(store, 10'000);
  const StoreMemoryStats m = store.memory_stats();
  CHECK(static_cast<double>(m.record_bytes) / 10'000.0 < 40.0);
}
