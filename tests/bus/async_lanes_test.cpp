// AsyncBusOptions::lanes: several FIFO queues per worker, one per group of keys.
#include <doctest/doctest.h>

#include <atomic>
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

// Two keys of worker 0 in different lanes of it.
std::pair<std::string, std::string> keys_in_two_lanes(const AsyncMessageBus& bus) {
  std::string first;
  for (int i = 0;; ++i) {
    std::string key = "agg-" + std::to_string(i);
    if (bus.worker_for(key) != 0) continue;
    if (first.empty()) {
      first = std::move(key);
    } else if (bus.lane_for(key) != bus.lane_for(first)) {
      return {first, key};
    }
  }
}

}  // namespace

TEST_CASE("lane options are checked and reported") {
  CHECK_THROWS_AS(AsyncMessageBus({.lanes = 0}), orchestrix::InvalidArgument);
  CHECK_THROWS_AS(AsyncMessageBus({.queue_capacity = 3, .lanes = 4}), orchestrix::InvalidArgument);
  AsyncMessageBus bus({.workers = 3, .queue_capacity = 16, .lanes = 4});
  CHECK(bus.lane_count() == 4);
  std::vector<int> used(4, 0);
  for (int i = 0; i < 200; ++i) {
    const std::string key = "agg-" + std::to_string(i);
    REQUIRE(bus.lane_for(key) < 4);
    REQUIRE(bus.lane_for(key) == bus.lane_for(key));
    used[bus.lane_for(key)] = 1;
  }
  CHECK(used == std::vector<int>{1, 1, 1, 1});  // 200 keys reach every lane
}

TEST_CASE("each lane holds queue_capacity / lanes messages and fills on its own") {
  // One worker, two lanes of 2 (capacity 5 rounds down). While the worker holds message 0, a
  // lane takes two more and then throws QueueFull, whatever the other lane holds.
  AsyncMessageBus bus(
      {.workers = 1, .queue_capacity = 5, .lanes = 2, .backpressure = BackpressurePolicy::kReject});
  const auto [a, b] = keys_in_two_lanes(bus);
  Gate gate;
  std::mutex mutex;
  std::vector<std::pair<std::string, int>> seen;
  auto s = bus.subscribe<Ping>([&](const Envelope<Ping>& m) {
    if (m.body.depth == 0) gate.pass();
    const std::lock_guard lock(mutex);
    seen.emplace_back(m.metadata.subject, m.body.depth);
  });
  std::vector<Completion> done;
  done.push_back(bus.publish(make_message(Ping{0}, {.subject = a})));
  while (gate.waiting.load() == 0) std::this_thread::yield();  // the worker holds a/0
  done.push_back(bus.publish(make_message(Ping{1}, {.subject = a})));
  done.push_back(bus.publish(make_message(Ping{2}, {.subject = a})));
  try {
    (void)bus.publish(make_message(Ping{3}, {.subject = a}));
    FAIL("publish into a full lane did not throw");
  } catch (const QueueFull& e) {
    CHECK(e.capacity() == 2);
    CHECK(e.worker() == 0);
  }
  done.push_back(bus.publish(make_message(Ping{1}, {.subject = b})));  // b's lane has room
  done.push_back(bus.publish(make_message(Ping{2}, {.subject = b})));
  CHECK_THROWS_AS((void)bus.publish(make_message(Ping{3}, {.subject = b})), QueueFull);
  CHECK(bus.stats().queued == 4);
  CHECK(bus.stats().rejected == 2);
  gate.open.store(true);
  for (auto& c : done) c.wait();
  bus.shutdown();
  REQUIRE(seen.size() == 5);
  std::map<std::string, std::vector<int>> per_key;
  for (const auto& [key, value] : seen) per_key[key].push_back(value);
  CHECK(per_key[a] == std::vector<int>{0, 1, 2});
  CHECK(per_key[b] == std::vector<int>{1, 2});
  CHECK(bus.stats().accepted == 5);
  CHECK(bus.stats().delivered == 5);
}

TEST_CASE("with lanes, keys from several threads keep their publish order") {
  for (std::size_t lanes : {2U, 8U}) {
    AsyncMessageBus bus({.workers = 2, .queue_capacity = 64, .lanes = lanes});
    check_keys_from_threads_in_order(bus, 3, 24, 300);
  }
}

TEST_CASE("with lanes, one key passed between two threads is handled in that order") {
  AsyncMessageBus bus({.workers = 2, .queue_capacity = 8, .lanes = 4});
  check_key_handed_between_threads(bus, false);
}

TEST_CASE("unkeyed messages from two threads go to different lanes") {
  // One worker, two lanes of one slot, reject policy, the worker held: each thread's unkeyed
  // publish takes a lane of its own, so both are accepted; a second one from either is not.
  AsyncMessageBus bus(
      {.workers = 1, .queue_capacity = 2, .lanes = 2, .backpressure = BackpressurePolicy::kReject});
  Gate gate;
  std::atomic<int> handled{0};
  auto s = bus.subscribe<Ping>([&](const Ping& p) {
    if (p.depth == 0) gate.pass();
    handled.fetch_add(1);
  });
  Completion held = bus.publish(make_message(Ping{0}, {.subject = "hold"}));
  while (gate.waiting.load() == 0) std::this_thread::yield();
  std::atomic<int> accepted{0};
  std::atomic<int> full{0};
  std::vector<Completion> done(2);
  // Two threads that publish unkeyed messages for the first time (consecutive lane choices).
  for (int t = 0; t < 2; ++t) {
    std::thread([&, t] {
      done[static_cast<std::size_t>(t)] = bus.publish(make_message(Ping{1}));
      accepted.fetch_add(1);
      try {
        (void)bus.publish(make_message(Ping{2}));
      } catch (const QueueFull&) {
        full.fetch_add(1);
      }
    }).join();
  }
  CHECK(accepted.load() == 2);
  CHECK(full.load() == 2);
  gate.open.store(true);
  held.wait();
  for (auto& c : done) c.wait();
  bus.shutdown();
  CHECK(handled.load() == 3);
}

TEST_CASE("with lanes, a publisher blocked on a full lane is accepted once it has room") {
  AsyncMessageBus bus({.workers = 1, .queue_capacity = 2, .lanes = 2});
  const auto [a, b] = keys_in_two_lanes(bus);
  Gate gate;
  std::mutex mutex;
  std::vector<int> order;
  auto s = bus.subscribe<Ping>([&](const Envelope<Ping>& m) {
    if (m.body.depth == 0) gate.pass();
    if (m.metadata.subject != a) return;
    const std::lock_guard lock(mutex);
    order.push_back(m.body.depth);
  });
  Completion first = bus.publish(make_message(Ping{0}, {.subject = a}));
  while (gate.waiting.load() == 0) std::this_thread::yield();
  Completion second = bus.publish(make_message(Ping{1}, {.subject = a}));  // a's lane is full
  std::atomic<bool> returned{false};
  std::thread blocked([&] {
    Completion third = bus.publish(make_message(Ping{2}, {.subject = a}));
    returned.store(true);
    third.wait();
  });
  while (bus.stats().blocked_publishers == 0) std::this_thread::yield();
  // The other lane is not blocked by it.
  Completion other = bus.publish(make_message(Ping{5}, {.subject = b}));
  CHECK_FALSE(returned.load());
  gate.open.store(true);
  blocked.join();
  other.wait();
  bus.shutdown();
  CHECK(order == std::vector<int>{0, 1, 2});
}

TEST_CASE("with lanes, publishers racing a shutdown lose nothing") {
  for (std::size_t lanes : {2U, 3U}) {
    AsyncMessageBus bus({.workers = 2, .queue_capacity = lanes * 2, .lanes = lanes});
    check_publishers_racing_shutdown(bus, 3, 4);
  }
}
