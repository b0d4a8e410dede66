// LaneChoice::kByPublisher: a lane per publishing thread, one key's order kept by the slot table.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "async_test_support.hpp"
#include "orchestrix/bus/async_message_bus.hpp"
#include "test_messages.hpp"

using namespace orchestrix::bus;
using namespace bus_test;

namespace {

AsyncBusOptions by_publisher(std::size_t workers, std::size_t lanes, std::size_t capacity,
                             std::size_t key_slots) {
  return {.workers = workers,
          .queue_capacity = capacity,
          .lanes = lanes,
          .lane_choice = LaneChoice::kByPublisher,
          .key_slots = key_slots};
}

// Waits for every completion, at most `limit` in all; false if one did not become ready.
bool all_ready(std::vector<Completion>& completions, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (auto& c : completions) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline || !c.wait_for(deadline - now)) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("kByPublisher options are checked and each thread gets a lane of its own") {
  CHECK_THROWS_AS(AsyncMessageBus(by_publisher(1, 4, 64, 0)), orchestrix::InvalidArgument);
  AsyncMessageBus bus(by_publisher(2, 4, 64, 16));
  const std::size_t mine = bus.lane_for("any");
  CHECK(bus.lane_for("other") == mine);  // the thread's lane, whatever the key
  std::vector<std::size_t> lanes(4);
  for (std::size_t t = 0; t < 4; ++t) {
    std::thread([&, t] { lanes[t] = bus.lane_for("k"); }).join();
  }
  // This thread took lane 0; the next two threads lanes 1 and 2; later ones share lane 3.
  CHECK(mine == 0);
  CHECK(lanes == std::vector<std::size_t>{1, 2, 3, 3});
}

TEST_CASE("kByPublisher: one key handed between two threads is handled in that order") {
  // The worker is held while all 4,000 messages are published, then drains lane by lane: only
  // the recorded dependencies can interleave the two threads' lanes in publish order.
  for (std::size_t key_slots : {1U, 4096U}) {
    AsyncMessageBus bus(by_publisher(1, 4, 4 * 4096, key_slots));
    check_key_handed_between_threads(bus, true);
  }
}

TEST_CASE("kByPublisher: threads beyond the lanes share the last lane and keep key order") {
  // 6 threads on 3 lanes (this thread is not a publisher: threads 0 and 1 own lanes 0 and 1,
  // four share lane 2), keys shared by all threads, a tiny slot table (false dependencies
  // between keys): every message is delivered, and each key's messages from each thread in that
  // thread's order. Also checks that no recorded dependency deadlocks the worker.
  for (std::size_t key_slots : {1U, 3U, 64U}) {
    AsyncMessageBus bus(by_publisher(2, 3, 3 * 64, key_slots));
    std::mutex mutex;
    std::map<std::pair<std::string, int>, std::vector<int>> seen;  // (key, thread) -> values
    auto s = bus.subscribe<OrderPlaced>([&](const Envelope<OrderPlaced>& m) {
      const std::lock_guard lock(mutex);
      seen[{m.metadata.subject, m.body.value / 100000}].push_back(m.body.value % 100000);
    });
    constexpr int kThreads = 6, kPerThread = 3000, kKeys = 10;
    std::vector<std::vector<Completion>> completions(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          std::string key = "k";  // (operator+ on a literal trips a g++ 12 -Wrestrict bug)
          key += std::to_string((i * 7 + t) % kKeys);
          completions[static_cast<std::size_t>(t)].push_back(
              bus.publish(make_message(OrderPlaced{t * 100000 + i}, {.subject = key})));
        }
      });
    }
    for (auto& t : threads) t.join();
    for (auto& list : completions) REQUIRE(all_ready(list, std::chrono::seconds(60)));
    bus.shutdown();
    std::size_t total = 0;
    for (const auto& [who, values] : seen) {
      total += values.size();
      for (std::size_t i = 1; i < values.size(); ++i) REQUIRE(values[i - 1] < values[i]);
    }
    CHECK(total == static_cast<std::size_t>(kThreads * kPerThread));
  }
}

TEST_CASE("kByPublisher: a handler publishing into its own full lane gets QueueFull") {
  AsyncMessageBus bus(by_publisher(1, 2, 2, 16));  // lanes of one slot
  std::atomic<int> rejected{0};
  std::atomic<int> follow_ups{0};
  auto s = bus.subscribe<Ping>([&](const Ping&) {
    for (int i = 0; i < 2; ++i) {
      try {
        (void)bus.publish(make_message(OrderPlaced{i}, {.subject = "f"}));
      } catch (const QueueFull&) {
        rejected.fetch_add(1);
      }
    }
  });
  auto t = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { follow_ups.fetch_add(1); });
  (void)bus.publish(make_message(Ping{}, {.subject = "p"})).get();
  bus.shutdown();
  CHECK(rejected.load() == 1);
  CHECK(follow_ups.load() == 1);
}

TEST_CASE("kByPublisher: publishers racing a shutdown lose nothing") {
  AsyncMessageBus bus(by_publisher(2, 2, 4, 8));  // two lanes of 2: one own, one shared
  check_publishers_racing_shutdown(bus, 3, 3);
}
