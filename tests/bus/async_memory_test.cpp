// The async bus's memory: rings and message blocks come from AsyncBusOptions::memory.
//
// This binary links orchestrix_alloc_guard (counting global operator new), so it is separate
// from the other bus tests.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <new>
#include <string>
#include <vector>

#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/bus/async_message_bus.hpp"
#include "orchestrix_test/alloc_guard.hpp"
#include "test_messages.hpp"

using namespace orchestrix::bus;
using namespace bus_test;

namespace {
constexpr std::size_t kBlock = sizeof(detail::TypedAsyncItem<Ping>);

std::vector<Envelope<Ping>> messages(int n) {
  std::vector<Envelope<Ping>> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out.push_back(make_message(Ping{i}, {.subject = "agg-" + std::to_string(i % 16)}));
  }
  return out;
}
}  // namespace

TEST_CASE("an async bus takes its rings and every message block from its memory resource") {
  REQUIRE(orchestrix::test::alloc_guard_active());
  // Upstream: malloc (not new_delete_resource), so the guard counts only what bypasses `memory`.
  orchestrix::alloc::InstrumentedResource memory(orchestrix::alloc::system_resource());
  {
    AsyncMessageBus bus({.workers = 2, .queue_capacity = 64, .memory = &memory});
    CHECK(bus.memory() == &memory);
    const std::size_t rings = memory.bytes_live();
    CHECK(rings >= 2 * 64 * 64);  // two rings of 64 one-cache-line cells, plus control blocks
    std::atomic<int> handled{0};
    auto s = bus.subscribe<Ping>([&](const Ping&) { handled.fetch_add(1); });
    {  // each worker's first delivery takes its per-thread record (global heap, once)
      std::vector<Completion> warm;
      for (auto& m : messages(16)) warm.push_back(bus.publish(std::move(m)));
      for (auto& c : warm) c.wait();
    }
    CHECK(memory.bytes_live() == rings);

    constexpr int kMessages = 1000;
    auto batch = messages(kMessages);
    std::vector<Completion> completions;
    completions.reserve(kMessages);
    const std::uint64_t before = orchestrix::test::global_new_calls_all_threads();
    const std::uint64_t before_here = orchestrix::test::global_new_calls();
    for (auto& m : batch) completions.push_back(bus.publish(std::move(m)));
    const std::uint64_t here = orchestrix::test::global_new_calls() - before_here;
    for (auto& c : completions) c.wait();
    const std::uint64_t global_news = orchestrix::test::global_new_calls_all_threads() - before;
    CHECK(here == 0);
    const std::size_t held = memory.bytes_live() - rings;
    completions.clear();
    const std::size_t after_drop = memory.bytes_live();

    CHECK(global_news == 0);            // publish, delivery and completion: nothing else
    CHECK(held == kMessages * kBlock);  // delivered blocks live while Completions do
    CHECK(after_drop == rings);         // and go back when they are dropped
    CHECK(handled.load() == 16 + kMessages);
  }
  CHECK(memory.bytes_live() == 0);  // the rings went back with the bus
}

TEST_CASE("an async bus's lanes come from its memory resource, at the size the header quotes") {
  orchestrix::alloc::InstrumentedResource memory(orchestrix::alloc::system_resource());
  for (std::size_t lanes : {1U, 4U}) {
    {
      AsyncMessageBus bus({.workers = 2, .queue_capacity = 64, .lanes = lanes, .memory = &memory});
      // Per worker: its 320-byte control block, 64 bytes per slot, 72 per lane (tail line and
      // position); plus the bus's table of two worker pointers (16 bytes each).
      constexpr std::size_t kPerWorker = 320 + 64 * 64;
      CHECK(memory.bytes_live() == 2 * (kPerWorker + 72 * lanes) + 2 * 16);
    }
    CHECK(memory.bytes_live() == 0);
  }
  {  // kByPublisher adds each worker's slot table: 8 bytes per slot
    AsyncMessageBus bus({.workers = 2,
                         .queue_capacity = 64,
                         .lanes = 4,
                         .lane_choice = LaneChoice::kByPublisher,
                         .key_slots = 100,
                         .memory = &memory});
    CHECK(memory.bytes_live() == 2 * (320 + 64 * 64 + 72 * 4 + 8 * 100) + 2 * 16);
  }
  CHECK(memory.bytes_live() == 0);
}

TEST_CASE("a budget on the async bus's resource refuses a publish and queues nothing") {
  orchestrix::alloc::BudgetResource budget(std::pmr::new_delete_resource(), 1 << 20);
  AsyncMessageBus bus({.workers = 1, .queue_capacity = 16, .memory = &budget});
  std::atomic<int> handled{0};
  auto s = bus.subscribe<Ping>([&](const Ping&) { handled.fetch_add(1); });
  budget.set_limit(budget.bytes_live() + 3 * kBlock);
  std::vector<Completion> kept;
  for (int i = 0; i < 3; ++i) kept.push_back(bus.publish(make_message(Ping{i})));
  CHECK_THROWS_AS((void)bus.publish(make_message(Ping{3})), orchestrix::alloc::BudgetExceeded);
  CHECK(bus.stats().accepted == 3);
  for (auto& c : kept) c.wait();
  kept.clear();  // gives the three blocks back
  CHECK(bus.publish(make_message(Ping{4})).get().handled == 1);
  bus.shutdown();
  CHECK(handled.load() == 4);
  CHECK(bus.stats().delivered == 4);
}

TEST_CASE("an async bus whose resource fails while it is built or publishes leaks nothing") {
  orchestrix::alloc::InstrumentedResource counted;
  orchestrix::alloc::FailingResource failing(&counted);
  for (std::uint64_t n = 1;; ++n) {
    failing.set_fail_at(n);
    bool threw = false;
    try {  // the construction's allocations, then one publish's block
      AsyncMessageBus bus({.workers = 3, .queue_capacity = 8, .memory = &failing});
      const PublishResult r = bus.publish(make_message(Ping{})).get();
      CHECK(r.handled == 0);  // no subscriber
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    CHECK(counted.bytes_live() == 0);
    const bool done = !threw;
    failing.set_fail_at(0);
    if (done) {
      CHECK(n > 7);  // the sweep hit every allocation: vector, 3 queues, 3 rings, 1 block
      break;
    }
  }
}
