#include "orchestrix/bus/async_message_bus.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "async_test_support.hpp"
#include "test_messages.hpp"

using namespace orchestrix::bus;
using namespace bus_test;

namespace {

// Two distinct keys that map to the same worker of `bus`.
std::pair<std::string, std::string> keys_on_one_worker(const AsyncMessageBus& bus) {
  const std::string first = "agg-0";
  for (int i = 1;; ++i) {
    std::string other = "agg-";
    other += std::to_string(i);
    if (bus.worker_for(other) == bus.worker_for(first)) return {first, other};
  }
}

}  // namespace

TEST_CASE("messages with the same key are handled in publish order") {
  AsyncMessageBus bus({.workers = 3, .queue_capacity = 64});
  check_keys_from_threads_in_order(bus, 2, 8, 500);
}

TEST_CASE("an explicit key overrides the subject for ordering") {
  AsyncMessageBus bus({.workers = 4});
  std::mutex mutex;
  std::vector<int> order;
  auto s = bus.subscribe<Ping>([&](const Ping& p) {
    std::lock_guard lock(mutex);
    order.push_back(p.depth);
  });
  for (int i = 0; i < 200; ++i) {
    std::string subject = "s";
    subject += std::to_string(i);
    (void)bus.publish(make_message(Ping{i}, {.subject = subject}), "one-key");
  }
  bus.shutdown();
  REQUIRE(order.size() == 200);
  for (int i = 0; i < 200; ++i) CHECK(order[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("the completion reports the delivery and rethrows when every handler failed") {
  AsyncMessageBus bus({.workers = 1});
  auto ok = bus.subscribe<Ping>([](const Ping&) {});
  auto bad = bus.subscribe<OrderPlaced>(
      [](const OrderPlaced&) -> void { throw std::runtime_error("nope"); });
  Completion c1 = bus.publish(make_message(Ping{}));
  Completion c2 = bus.publish(make_message(OrderPlaced{}));
  const PublishResult r = c1.get();
  CHECK(r.handled == 1);
  CHECK_FALSE(c1.valid());
  CHECK_THROWS_AS(c2.get(), HandlerError);
}

TEST_CASE("a completion is not ready while its message is held and ready once delivered") {
  AsyncMessageBus bus({.workers = 1});
  Gate gate;
  auto s = bus.subscribe<Ping>([&](const Ping&) { gate.pass(); });
  Completion c = bus.publish(make_message(Ping{}));
  while (gate.waiting.load() == 0) std::this_thread::yield();
  CHECK_FALSE(c.ready());
  CHECK_FALSE(c.wait_for(std::chrono::milliseconds(0)));
  gate.open.store(true);
  c.wait();
  CHECK(c.ready());
  CHECK(c.wait_for(std::chrono::milliseconds(0)));
  CHECK(c.get().handled == 1);
}

TEST_CASE("with the reject policy a full queue throws QueueFull and accepts nothing") {
  AsyncMessageBus bus(
      {.workers = 1, .queue_capacity = 2, .backpressure = BackpressurePolicy::kReject});
  Gate gate;
  std::atomic<int> handled{0};
  auto s = bus.subscribe<Ping>([&](const Ping&) {
    gate.pass();
    handled.fetch_add(1);
  });
  Completion first = bus.publish(make_message(Ping{0}));
  while (gate.waiting.load() == 0) std::this_thread::yield();  // worker holds message 0
  Completion second = bus.publish(make_message(Ping{1}));
  Completion third = bus.publish(make_message(Ping{2}));
  try {
    (void)bus.publish(make_message(Ping{3}));
    FAIL("publish into a full queue did not throw");
  } catch (const QueueFull& e) {
    CHECK(e.capacity() == 2);
    CHECK(e.worker() == 0);
  }
  CHECK(bus.stats().rejected == 1);
  gate.open.store(true);
  first.wait();
  second.wait();
  third.wait();
  CHECK(handled.load() == 3);
}

TEST_CASE("with the block policy a publisher waits for room and is then accepted in order") {
  AsyncMessageBus bus({.workers = 1, .queue_capacity = 1});
  Gate gate;
  std::vector<int> order;
  bool publisher_returned_while_blocked = false;
  std::atomic<bool> publisher_returned{false};
  auto s = bus.subscribe<Ping>([&](const Ping& p) {
    if (p.depth == 0) {
      gate.pass();
      publisher_returned_while_blocked = publisher_returned.load();
    }
    order.push_back(p.depth);
  });
  Completion first = bus.publish(make_message(Ping{0}));
  while (gate.waiting.load() == 0) std::this_thread::yield();
  Completion second = bus.publish(make_message(Ping{1}));  // fills the queue
  std::thread blocked([&] {
    Completion third = bus.publish(make_message(Ping{2}));
    publisher_returned.store(true);
    third.wait();
  });
  while (bus.stats().blocked_publishers == 0) std::this_thread::yield();
  gate.open.store(true);
  blocked.join();
  bus.shutdown();
  CHECK_FALSE(publisher_returned_while_blocked);
  CHECK(order == std::vector<int>{0, 1, 2});
}

TEST_CASE("shutdown drains every accepted message and later publishes throw BusStopped") {
  AsyncMessageBus bus({.workers = 2, .queue_capacity = 4096});
  std::atomic<int> handled{0};
  auto s = bus.subscribe<Ping>([&](const Ping&) {
    std::this_thread::yield();  // keep the queues non-empty while shutdown begins
    handled.fetch_add(1);
  });
  std::vector<Completion> completions;
  for (int i = 0; i < 2000; ++i) {
    std::string key = "k";
    key += std::to_string(i % 16);
    completions.push_back(bus.publish(make_message(Ping{i}, {.subject = key})));
  }
  bus.shutdown();
  CHECK(handled.load() == 2000);
  for (auto& c : completions) CHECK(c.ready());
  CHECK(bus.stats().delivered == 2000);
  CHECK_THROWS_AS((void)bus.publish(make_message(Ping{})), BusStopped);
  bus.shutdown();  // idempotent
}

TEST_CASE("a publisher blocked on a full queue gets BusStopped when shutdown begins") {
  AsyncMessageBus bus({.workers = 1, .queue_capacity = 1});
  Gate gate;
  auto s = bus.subscribe<Ping>([&](const Ping& p) {
    if (p.depth == 0) gate.pass();
  });
  Completion first = bus.publish(make_message(Ping{0}));
  while (gate.waiting.load() == 0) std::this_thread::yield();
  Completion second = bus.publish(make_message(Ping{1}));
  std::atomic<bool> got_stopped{false};
  std::thread blocked([&] {
    try {
      (void)bus.publish(make_message(Ping{2}));
    } catch (const BusStopped&) {
      got_stopped.store(true);
    }
  });
  while (bus.stats().blocked_publishers == 0) std::this_thread::yield();
  std::thread stopper([&] { bus.shutdown(); });
  blocked.join();
  CHECK(got_stopped.load());
  gate.open.store(true);
  stopper.join();
  CHECK(first.ready());
  CHECK(second.ready());
}

TEST_CASE("a handler publishing into its own full queue gets QueueFull instead of deadlocking") {
  AsyncMessageBus bus({.workers = 1, .queue_capacity = 1});
  std::atomic<int> rejected{0};
  std::atomic<int> follow_ups{0};
  auto s = bus.subscribe<Ping>([&](const Ping&) {
    for (int i = 0; i < 2; ++i) {
      try {
        (void)bus.publish(make_message(OrderPlaced{i}));
      } catch (const QueueFull&) {
        rejected.fetch_add(1);
      }
    }
  });
  auto t = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { follow_ups.fetch_add(1); });
  (void)bus.publish(make_message(Ping{})).get();
  bus.shutdown();
  CHECK(rejected.load() == 1);
  CHECK(follow_ups.load() == 1);
}

TEST_CASE("keys that share a worker keep their own relative order") {
  AsyncMessageBus bus({.workers = 2});
  auto [a, b] = keys_on_one_worker(bus);
  std::vector<std::string> order;
  auto s =
      bus.subscribe<Ping>([&](const Envelope<Ping>& m) { order.push_back(m.metadata.subject); });
  (void)bus.publish(make_message(Ping{}, {.subject = a}));
  (void)bus.publish(make_message(Ping{}, {.subject = b}));
  (void)bus.publish(make_message(Ping{}, {.subject = a}));
  bus.shutdown();
  CHECK(order == std::vector<std::string>{a, b, a});
}

TEST_CASE("an async bus rejects zero workers or zero queue capacity") {
  CHECK_THROWS_AS(AsyncMessageBus({.workers = 0}), orchestrix::InvalidArgument);
  CHECK_THROWS_AS(AsyncMessageBus({.queue_capacity = 0}), orchestrix::InvalidArgument);
}

TEST_CASE("shutdown called from one of the bus's own handlers throws instead of deadlocking") {
  AsyncMessageBus bus({.workers = 1});
  std::atomic<bool> threw{false};
  auto s = bus.subscribe<Ping>([&](const Ping&) {
    try {
      bus.shutdown();
    } catch (const orchestrix::UsageError&) {
      threw.store(true);
    }
  });
  (void)bus.publish(make_message(Ping{})).get();
  bus.shutdown();
  CHECK(threw.load());
}

namespace {
// A body that counts its live instances, to prove every queued message is destroyed once.
struct Counted {
  static constexpr MessageKind message_kind = MessageKind::kEvent;
  static constexpr std::string_view message_type = "test.Counted";
  static inline std::atomic<int> live{0};
  int value = 0;
  explicit Counted(int v = 0) : value(v) { live.fetch_add(1); }
  Counted(const Counted& o) : value(o.value) { live.fetch_add(1); }
  Counted(Counted&& o) noexcept : value(o.value) { live.fetch_add(1); }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { live.fetch_sub(1); }
};
}  // namespace

TEST_CASE("one key published from two threads in turn is handled in that order") {
  AsyncMessageBus bus({.workers = 2, .queue_capacity = 8});
  check_key_handed_between_threads(bus, false);
}

TEST_CASE("every queued message is destroyed once, whether or not its Completion was kept") {
  Counted::live.store(0);
  {
    AsyncMessageBus bus({.workers = 2, .queue_capacity = 4});
    std::atomic<int> handled{0};
    auto s = bus.subscribe<Counted>([&](const Counted&) { handled.fetch_add(1); });
    std::vector<Completion> kept;
    for (int i = 0; i < 1000; ++i) {
      Completion c = bus.publish(make_message(Counted{i}, {.subject = std::to_string(i % 7)}));
      if (i % 3 == 0) kept.push_back(std::move(c));  // the others are dropped before delivery
    }
    bus.shutdown();
    CHECK(handled.load() == 1000);
    // Delivered messages whose Completion is still held stay allocated until it goes.
    CHECK(Counted::live.load() == static_cast<int>(kept.size()));
    for (std::size_t i = 0; i < kept.size(); i += 2) CHECK(kept[i].get().handled == 1);
    CHECK(Counted::live.load() == static_cast<int>(kept.size() / 2));
  }
  CHECK(Counted::live.load() == 0);
}

TEST_CASE("a queue of capacity one holds one waiting message under the reject policy") {
  AsyncMessageBus bus(
      {.workers = 1, .queue_capacity = 1, .backpressure = BackpressurePolicy::kReject});
  Gate gate;
  auto s = bus.subscribe<Ping>([&](const Ping&) { gate.pass(); });
  for (int round = 0; round < 3; ++round) {  // several laps round the one-cell ring
    Completion first = bus.publish(make_message(Ping{0}));
    while (gate.waiting.load() == 0) std::this_thread::yield();
    Completion second = bus.publish(make_message(Ping{1}));
    CHECK_THROWS_AS((void)bus.publish(make_message(Ping{2})), QueueFull);
    gate.open.store(true);
    first.wait();
    second.wait();
    gate.open.store(false);
  }
  CHECK(bus.stats().rejected == 3);
  CHECK(bus.stats().accepted == 6);
}

TEST_CASE("publishers racing a shutdown on tiny blocking queues lose nothing") {
  for (std::size_t capacity : {1U, 2U, 3U}) {
    AsyncMessageBus bus({.workers = 2, .queue_capacity = capacity});
    check_publishers_racing_shutdown(bus, 3, 1);
  }
}

// docs/message-bus.md quotes the per-message state: vptr, state, count, result, exception_ptr.
static_assert(sizeof(void*) != 8 || sizeof(orchestrix::bus::detail::AsyncItem) == 32);

TEST_CASE("a publisher blocked on a full queue is released as soon as the worker takes a message") {
  // Capacity 1: while the worker delivers message i, publish(i + 1) fits (the worker took i off
  // the ring). The handler of i waits for that publish to return, so a publisher left asleep
  // although its cell was freed shows up as a handler that times out. (Regression: the worker
  // freed the cell and looked at `blocked` with a plain load, a store-buffering race that failed
  // this test in about 9 of 10 runs of 20,000 messages.)
  AsyncMessageBus bus({.workers = 1, .queue_capacity = 1});
  constexpr int kTotal = 20000;
  std::atomic<int> published{0};  // publish() calls that returned
  std::atomic<int> stalls{0};
  auto s = bus.subscribe<Ping>([&](const Ping& p) {
    if (p.depth + 1 >= kTotal) return;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (published.load(std::memory_order_acquire) < p.depth + 2) {
      if (std::chrono::steady_clock::now() > deadline) {
        stalls.fetch_add(1);
        return;
      }
      std::this_thread::yield();
    }
  });
  for (int i = 0; i < kTotal && stalls.load() == 0; ++i) {
    (void)bus.publish(make_message(Ping{i}, {.subject = "k"}));
    published.fetch_add(1, std::memory_order_release);
  }
  bus.shutdown();
  CHECK(stalls.load() == 0);
}

namespace {
thread_local int t_started_as = -1;  // set by the on_worker_start hook below
}  // namespace

TEST_CASE("on_worker_start runs once on each worker thread, with its index, before it delivers") {
  std::mutex calls_mutex;
  std::vector<int> calls;
  std::vector<std::thread::id> threads;
  AsyncMessageBus bus({.workers = 3, .on_worker_start = [&](std::size_t worker) {
                         t_started_as = static_cast<int>(worker);
                         const std::lock_guard lock(calls_mutex);
                         calls.push_back(static_cast<int>(worker));
                         threads.push_back(std::this_thread::get_id());
                       }});
  std::mutex seen_mutex;
  std::map<std::string, int> started_as;  // key -> the hook's index on the delivering thread
  auto s = bus.subscribe<Ping>([&](const Envelope<Ping>& m) {
    const std::lock_guard lock(seen_mutex);
    started_as[m.metadata.subject] = t_started_as;
  });
  std::vector<std::string> keys;
  for (int i = 0; i < 30; ++i) keys.push_back("agg-" + std::to_string(i));
  for (const auto& key : keys) (void)bus.publish(make_message(Ping{}, {.subject = key})).get();
  bus.shutdown();

  std::sort(calls.begin(), calls.end());
  CHECK(calls == std::vector<int>{0, 1, 2});
  for (const auto& id : threads) CHECK(id != std::this_thread::get_id());
  CHECK(t_started_as == -1);  // never on the constructing thread
  for (const auto& key : keys) {
    CHECK(started_as.at(key) == static_cast<int>(bus.worker_for(key)));
  }
}

// Regression: wait_for computed now + timeout, which overflows for nanoseconds::max() (the
// usual "wait forever") and returned false at once.
TEST_CASE("Completion::wait_for with nanoseconds::max() waits for the delivery") {
  AsyncMessageBus bus({.workers = 1});
  std::atomic<bool> release{false};
  auto s = bus.subscribe<Ping>([&](const Ping&) {
    while (!release.load()) std::this_thread::yield();
  });
  Completion done = bus.publish(make_message(Ping{1}));
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    release.store(true);
  });
  CHECK(done.wait_for(std::chrono::nanoseconds::max()));
  CHECK(release.load());
  CHECK(done.wait_for(std::chrono::hours::max()));
  opener.join();
}
