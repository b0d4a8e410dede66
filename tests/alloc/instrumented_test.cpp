#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"

namespace oa = orchestrix::alloc;

TEST_CASE("The instrumented resource counts calls and bytes exactly") {
  oa::InstrumentedResource r(oa::system_resource());
  void* a = r.allocate(100, 8);
  void* b = r.allocate(28, 4);
  r.deallocate(a, 100, 8);
  const oa::MemoryStats s = r.stats();
  CHECK(s.allocations == 2);
  CHECK(s.deallocations == 1);
  CHECK(s.bytes_requested == 128);
  CHECK(s.bytes_deallocated == 100);
  CHECK(s.bytes_live == 28);
  CHECK(r.bytes_live() == 28);
  CHECK(s.failed_allocations == 0);
  r.deallocate(b, 28, 4);
  CHECK(r.bytes_live() == 0);
}

TEST_CASE("The instrumented resource files each allocation under its size class") {
  oa::InstrumentedResource r(oa::system_resource());
  for (std::size_t bytes : {1, 2, 3, 64, 65, 65, 4096}) r.deallocate(r.allocate(bytes), bytes);
  const auto& h = r.stats().size_classes.allocations;
  CHECK(h[0] == 1);   // 1
  CHECK(h[1] == 1);   // 2
  CHECK(h[2] == 1);   // 3
  CHECK(h[6] == 1);   // 64
  CHECK(h[7] == 2);   // 65, 65
  CHECK(h[12] == 1);  // 4096
}

TEST_CASE("With granularity 0 the peak is exact and reset_peak restarts it at the live figure") {
  oa::InstrumentedResource r(oa::system_resource(), {.peak_granularity_bytes = 0});
  void* a = r.allocate(100);
  void* b = r.allocate(200);
  r.deallocate(b, 200);
  void* c = r.allocate(50);
  CHECK(r.stats().peak_bytes_live == 300);
  CHECK(r.stats().bytes_live == 150);
  r.reset_peak();
  CHECK(r.stats().peak_bytes_live == 150);
  void* d = r.allocate(10);
  CHECK(r.stats().peak_bytes_live == 160);
  r.deallocate(a, 100);
  r.deallocate(c, 50);
  r.deallocate(d, 10);
  CHECK(r.stats().peak_bytes_live == 160);
}

TEST_CASE("On one thread the peak lies within one granule below the true peak") {
  constexpr std::size_t kGranule = 16 * 1024;
  oa::InstrumentedResource r(oa::system_resource(), {.peak_granularity_bytes = kGranule});
  std::mt19937_64 rng(7);
  struct Held {
    void* p;
    std::size_t n;
  };
  std::vector<Held> held;
  std::uint64_t live = 0, true_peak = 0;
  for (int i = 0; i < 20000; ++i) {
    if (held.empty() || rng() % 100 < 60) {
      const std::size_t n = 1 + rng() % 3000;
      held.push_back({r.allocate(n), n});
      live += n;
      true_peak = std::max(true_peak, live);
    } else {
      const std::size_t k = rng() % held.size();
      r.deallocate(held[k].p, held[k].n);
      live -= held[k].n;
      held[k] = held.back();
      held.pop_back();
    }
  }
  const oa::MemoryStats s = r.stats();
  CHECK(s.bytes_live == live);
  CHECK(s.peak_bytes_live <= true_peak);
  CHECK(s.peak_bytes_live + kGranule > true_peak);
  CHECK(s.peak_bytes_live >= s.bytes_live);
  for (const Held& h : held) r.deallocate(h.p, h.n);
}

TEST_CASE("An upstream failure is counted as failed and leaves every other counter alone") {
  oa::FailingResource failing(oa::system_resource(), 2);
  oa::InstrumentedResource r(&failing);
  void* a = r.allocate(10);
  CHECK_THROWS_AS((void)r.allocate(20), std::bad_alloc);
  const oa::MemoryStats s = r.stats();
  CHECK(s.failed_allocations == 1);
  CHECK(s.allocations == 1);
  CHECK(s.bytes_requested == 10);
  CHECK(s.bytes_live == 10);
  r.check_invariants();
  r.deallocate(a, 10);
  r.check_invariants();
}

TEST_CASE("The instrumented resource rejects a null upstream") {
  CHECK_THROWS_AS(oa::InstrumentedResource(nullptr), orchestrix::InvalidArgument);
}
