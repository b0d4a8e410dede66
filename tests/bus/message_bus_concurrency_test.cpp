#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "orchestrix/bus/message_bus.hpp"
#include "test_messages.hpp"

using namespace orchestrix::bus;
using namespace bus_test;

namespace {

// Runs `body` on `n` threads and joins them.
template <class F>
void run_threads(int n, F body) {
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back(body, i);
  for (auto& t : threads) t.join();
}

}  // namespace

TEST_CASE("once unsubscribe returns the handler is neither running nor called on any thread") {
  MessageBus bus;
  std::atomic<bool> stop{false};
  std::atomic<int> violations{0};
  std::thread publishers[2];
  for (auto& t : publishers) {
    t = std::thread([&] {
      while (!stop.load()) bus.publish(make_message(Ping{}));
    });
  }
  for (int round = 0; round < 200; ++round) {
    auto unsubscribed = std::make_shared<std::atomic<bool>>(false);
    auto calls = std::make_shared<std::atomic<int>>(0);
    auto s = bus.subscribe<Ping>([unsubscribed, calls, &violations](const Ping&) {
      if (unsubscribed->load()) ++violations;  // called after unsubscribe returned
      calls->fetch_add(1);
      for (int i = 0; i < 200; ++i) {
        if (unsubscribed->load()) break;
      }
      if (unsubscribed->load()) ++violations;  // still running after unsubscribe returned
    });
    while (calls->load() < 3) std::this_thread::yield();
    s.unsubscribe();
    unsubscribed->store(true);
  }
  stop.store(true);
  for (auto& t : publishers) t.join();
  CHECK(violations.load() == 0);
}

TEST_CASE("a handler unsubscribing itself does not wait for its own calls on other threads") {
  MessageBus bus;
  std::atomic<int> entered{0};
  std::atomic<bool> released{false};
  Subscription s;
  s = bus.subscribe<Ping>([&](const Ping&) {
    if (entered.fetch_add(1) == 0) {
      // First caller: stays inside until the second caller has unsubscribed the handler.
      while (!released.load()) std::this_thread::yield();
    } else {
      s.unsubscribe();  // would deadlock if it waited for the first caller
      released.store(true);
    }
  });
  std::thread first([&] { bus.publish(make_message(Ping{})); });
  while (entered.load() == 0) std::this_thread::yield();
  bus.publish(make_message(Ping{}));
  first.join();
  CHECK(entered.load() == 2);
  CHECK(bus.handler_count<Ping>() == 0);
}

TEST_CASE("subscribing and unsubscribing while threads publish never skips a stable handler") {
  MessageBus bus;
  std::atomic<long> stable_calls{0};
  auto stable = bus.subscribe<Ping>([&](const Ping&) { stable_calls.fetch_add(1); });
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    std::atomic<long> sink{0};
    while (!stop.load()) {
      auto a = bus.subscribe<Ping>([&](const Ping&) { sink.fetch_add(1); });
      auto b = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { sink.fetch_add(1); });
      a.unsubscribe();
    }
  });
  constexpr int kPerThread = 5000;
  run_threads(2, [&](int) {
    for (int i = 0; i < kPerThread; ++i) bus.publish(make_message(Ping{i}));
  });
  stop.store(true);
  churn.join();
  CHECK(stable_calls.load() == 2 * kPerThread);
}

TEST_CASE("handlers unsubscribed while threads publish are destroyed once publishing stops") {
  MessageBus bus;
  auto token = std::make_shared<int>(0);
  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    while (!stop.load()) bus.publish(make_message(Ping{}));
  });
  for (int i = 0; i < 100; ++i) {
    auto s = bus.subscribe<Ping>([token](const Ping&) {});
  }
  stop.store(true);
  publisher.join();
  {
    auto trigger = bus.subscribe<OrderPlaced>([](const OrderPlaced&) {});
  }  // reclaims
  CHECK(token.use_count() == 1);
}

TEST_CASE("dead letters written by concurrent publishers are all accounted for") {
  MessageBus bus(BusOptions{DeadLetterOptions{.capacity = 300}});
  auto ok = bus.subscribe<Ping>([](const Ping&) {});
  auto bad = bus.subscribe<Ping>([](const Ping&) -> void { throw std::runtime_error("x"); });
  run_threads(2, [&](int) {
    for (int i = 0; i < 500; ++i) bus.publish(make_message(Ping{i}));
  });
  CHECK(bus.dead_letters().total() == 1000);
  CHECK(bus.dead_letters().size() == 300);
  CHECK(bus.dead_letters().dropped() == 700);
}

TEST_CASE("a thread's first publish (which takes its record) delivers like every later one") {
  MessageBus bus;
  std::vector<std::string> trace;  // written by the publishing thread only, read after join
  auto pings = bus.subscribe<Ping>([&](const Ping& p) {
    trace.push_back(std::string("ping").append(std::to_string(p.depth)));
    if (p.depth == 0) bus.publish(make_message(OrderPlaced{1}));  // nested, same record
  });
  auto orders = bus.subscribe<OrderPlaced>([&](const OrderPlaced& o) {
    trace.push_back(std::string("order").append(std::to_string(o.value)));
    if (o.value == 2) throw std::runtime_error("refused");
  });
  int refused = 0;
  std::thread first_publish([&] {
    bus.publish(make_message(Ping{0}));
    try {
      bus.publish(make_message(OrderPlaced{2}));  // its only handler throws
    } catch (const HandlerError&) {
      ++refused;
    }
    bus.publish(make_message(Ping{1}));
  });
  first_publish.join();
  CHECK(trace == std::vector<std::string>{"ping0", "order1", "order2", "ping1"});
  CHECK(refused == 1);
  std::thread first_publish_fails([&] {
    try {
      bus.publish(make_message(OrderPlaced{2}));  // the thread's first publish throws
    } catch (const HandlerError&) {
      ++refused;
    }
    bus.publish(make_message(OrderPlaced{3}));
  });
  first_publish_fails.join();
  CHECK(refused == 2);
  CHECK(trace.back() == "order3");
  orders.unsubscribe();  // no thread is left announcing a call: returns at once
  CHECK(bus.handler_count<OrderPlaced>() == 0);
}
