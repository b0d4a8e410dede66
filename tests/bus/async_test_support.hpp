// Scenarios shared by the async bus tests (one ring per worker, lanes by key, lanes by
// publisher): the same checks run against each queue layout.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "orchestrix/bus/async_message_bus.hpp"
#include "test_messages.hpp"

namespace bus_test {

// Holds handlers inside until opened; counts who is waiting.
struct Gate {
  std::atomic<bool> open{false};
  std::atomic<int> waiting{0};
  void pass() {
    waiting.fetch_add(1);
    while (!open.load()) std::this_thread::yield();
    waiting.fetch_sub(1);
  }
};

// `threads` threads publish `per_key` messages (values 0, 1, ...) to each of `keys` keys; key k
// belongs to thread k % threads, which publishes round-robin over its keys. Every key's
// messages must arrive complete and in publish order. The bus must have no other subscriber.
inline void check_keys_from_threads_in_order(orchestrix::bus::AsyncMessageBus& bus, int threads,
                                             int keys, int per_key) {
  using namespace orchestrix::bus;
  std::mutex mutex;
  std::map<std::string, std::vector<int>> seen;
  auto s = bus.subscribe<Ping>([&](const Envelope<Ping>& m) {
    const std::lock_guard lock(mutex);
    seen[m.metadata.subject].push_back(m.body.depth);
  });
  std::vector<std::thread> publishers;
  for (int t = 0; t < threads; ++t) {
    publishers.emplace_back([&, t] {
      for (int i = 0; i < per_key; ++i) {
        for (int k = t; k < keys; k += threads) {
          std::string key = "agg-";
          key += std::to_string(k);
          (void)bus.publish(make_message(Ping{i}, {.subject = key}));
        }
      }
    });
  }
  for (auto& p : publishers) p.join();
  bus.shutdown();
  REQUIRE(seen.size() == static_cast<std::size_t>(keys));
  for (const auto& [key, values] : seen) {
    REQUIRE(values.size() == static_cast<std::size_t>(per_key));
    for (int i = 0; i < per_key; ++i) CHECK(values[static_cast<std::size_t>(i)] == i);
  }
}

// Two threads publish one key in turn, 4,000 messages, each publish happening after the
// previous one (a token passed between the threads): the guarantee requires delivery in token
// order although the publishers differ. With `hold_worker`, the worker is held in a handler
// (of a message with key "hold") until every message was published, so that it meets the two
// threads' messages all queued, not one at a time. The bus must have no other subscriber.
inline void check_key_handed_between_threads(orchestrix::bus::AsyncMessageBus& bus,
                                             bool hold_worker) {
  using namespace orchestrix::bus;
  Gate gate;
  std::vector<int> seen;
  auto s = bus.subscribe<Ping>([&](const Envelope<Ping>& m) {
    if (m.metadata.subject == "hold") {
      gate.pass();
      return;
    }
    seen.push_back(m.body.depth);
  });
  Completion held;
  if (hold_worker) {
    held = bus.publish(make_message(Ping{}, {.subject = "hold"}));
    while (gate.waiting.load() == 0) std::this_thread::yield();
  }
  constexpr int kTotal = 4000;
  std::atomic<int> turn{0};
  auto publisher = [&](int parity) {
    for (int i = parity; i < kTotal; i += 2) {
      while (turn.load(std::memory_order_acquire) != i) std::this_thread::yield();
      (void)bus.publish(make_message(Ping{i}, {.subject = "agg-shared"}));
      turn.store(i + 1, std::memory_order_release);
    }
  };
  std::thread a(publisher, 0);
  std::thread b(publisher, 1);
  a.join();
  b.join();
  gate.open.store(true);
  bus.shutdown();
  REQUIRE(seen.size() == kTotal);
  for (int i = 0; i < kTotal; ++i) REQUIRE(seen[static_cast<std::size_t>(i)] == i);
}

// `publishers` threads publish until shutdown stops them (message i of thread t has key
// "pub-<t>-<i % keys_per_publisher>" and value i / keys_per_publisher); shutdown begins once
// 2,000 were handled. Every publish either throws BusStopped (nothing queued) or returns a
// Completion that becomes ready; each key's messages arrive in publish order. The bus must have
// no other subscriber.
inline void check_publishers_racing_shutdown(orchestrix::bus::AsyncMessageBus& bus, int publishers,
                                             int keys_per_publisher) {
  using namespace orchestrix::bus;
  std::mutex mutex;
  std::map<std::string, std::vector<int>> seen;
  std::atomic<int> handled{0};
  auto s = bus.subscribe<Ping>([&](const Envelope<Ping>& m) {
    const std::lock_guard lock(mutex);
    seen[m.metadata.subject].push_back(m.body.depth);
    handled.fetch_add(1);
  });
  std::atomic<int> accepted{0};
  std::atomic<int> stopped{0};
  std::vector<std::vector<Completion>> completions(static_cast<std::size_t>(publishers));
  std::vector<std::thread> threads;
  for (int t = 0; t < publishers; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        std::string key = "pub-";
        key += std::to_string(t);
        key += '-';
        key += std::to_string(i % keys_per_publisher);
        try {
          completions[static_cast<std::size_t>(t)].push_back(
              bus.publish(make_message(Ping{i / keys_per_publisher}, {.subject = key})));
          accepted.fetch_add(1);
        } catch (const BusStopped&) {
          stopped.fetch_add(1);
          return;
        }
      }
    });
  }
  while (handled.load() < 2000) std::this_thread::yield();
  bus.shutdown();
  for (auto& t : threads) t.join();
  CHECK(stopped.load() == publishers);
  CHECK(handled.load() == accepted.load());
  CHECK(bus.stats().delivered == static_cast<std::uint64_t>(accepted.load()));
  CHECK(bus.stats().queued == 0);
  for (auto& list : completions) {
    for (auto& c : list) REQUIRE(c.ready());
  }
  for (const auto& [key, values] : seen) {
    for (std::size_t i = 0; i < values.size(); ++i) REQUIRE(values[i] == static_cast<int>(i));
  }
}

}  // namespace bus_test
