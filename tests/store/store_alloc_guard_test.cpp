// Proves that no byte bypasses the store's resource: global operator new is counted (the
// orchestrix_alloc_guard replacement) and the default pmr resource is the null resource while
// a million events are appended and read back.
#include <doctest/doctest.h>

#include <memory_resource>
#include <string>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "orchestrix/workload.hpp"
#include "orchestrix_test/alloc_guard.hpp"

using namespace orchestrix;

TEST_CASE("a million appends and reads after warm-up make no global allocation") {
  REQUIRE(orchestrix::test::alloc_guard_active());
  alloc::InstrumentedResource inst(alloc::system_resource());
  EventStore store({.memory = &inst});
  SeedWorkload warmup({.events = 10'000, .seed = 1});
  SeedWorkload work({.events = 1'000'000, .seed = 2});
  WorkloadBatch b;
  std::string name;
  while (warmup.next(b)) {
    name = "warm-";
    name.append(b.stream);
    store.append(name, b.events);
  }
  for (const EventView& e : store.read_all()) (void)e;

  std::uint64_t appended = 0;
  std::uint64_t read = 0;
  std::uint64_t bytes = 0;
  std::uint64_t calls = 0;
  std::pmr::memory_resource* previous =
      std::pmr::set_default_resource(std::pmr::null_memory_resource());
  {
    orchestrix::test::ScopedGlobalAllocCounter counter;
    while (work.next(b)) {
      appended += store.append(b.stream, b.events, ExpectedVersion::no_stream()).count;
      for (const EventView& e : store.read(b.stream)) bytes += e.data().size();
    }
    for (const EventView& e : store.read_all(Position{10'000})) {
      read += 1;
      bytes += e.data().size();
    }
    calls = counter.new_calls();
  }
  std::pmr::set_default_resource(previous);
  CHECK(calls == 0);
  CHECK(appended == 1'000'000);
  CHECK(read == 1'000'000);
  CHECK(bytes > 0);
  const StoreMemoryStats m = store.memory_stats();
  CHECK(m.total_bytes() == inst.bytes_live());
  MESSAGE("1M seed events: " << m.bytes_per_event() << " bytes/event");
  CHECK(m.bytes_per_event() <= 64.0);
}

TEST_CASE(
    "with compression on, appends, compression and reads through the cache make no global "
    "allocation after warm-up") {
  REQUIRE(orchestrix::test::alloc_guard_active());
  alloc::InstrumentedResource inst(alloc::system_resource());
  StoreOptions options{.memory = &inst, .segment_bytes = 64 * 1024};
  options.compression.enabled = true;
  options.compression.cache_bytes = 128 * 1024;  // small: reads evict and refill
  EventStore store(options);
  SeedWorkload warmup({.events = 10'000, .seed = 1});
  SeedWorkload work({.events = 200'000, .seed = 2});
  WorkloadBatch b;
  std::string name;
  while (warmup.next(b)) {
    name = "warm-";
    name.append(b.stream);
    store.append(name, b.events);
  }
  for (const EventView& e : store.read_all()) (void)e;

  std::uint64_t read = 0;
  std::uint64_t calls = 0;
  std::pmr::memory_resource* previous =
      std::pmr::set_default_resource(std::pmr::null_memory_resource());
  {
    orchestrix::test::ScopedGlobalAllocCounter counter;
    while (work.next(b)) {
      store.append(b.stream, b.events, ExpectedVersion::no_stream());
      for (const EventView& e : store.read(b.stream)) (void)e;
    }
    for (int pass = 0; pass < 2; ++pass) {
      for (const EventView& e : store.read_all(Position{10'000})) read += e.data().empty() ? 0 : 1;
    }
    (void)store.compact();
    calls = counter.new_calls();
  }
  std::pmr::set_default_resource(previous);
  CHECK(calls == 0);
  CHECK(read == 400'000);
  const StoreMemoryStats m = store.memory_stats();
  CHECK(m.compressed_segments > 10);
  CHECK(m.codec_bytes > 0);
  CHECK(m.total_bytes() == inst.bytes_live());
}
