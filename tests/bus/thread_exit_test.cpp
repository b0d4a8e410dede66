// Publish and unsubscribe from thread_local destructors that run after the bus has handed the
// thread's record back (thread exit). Internal hook: the private thread_record.hpp, to see which
// record each call uses.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/thread_record.hpp"
#include "orchestrix/bus/message_bus.hpp"
#include "test_messages.hpp"

using namespace orchestrix::bus;
using namespace bus_test;
using orchestrix::bus::detail::current_thread_record;
using orchestrix::bus::detail::first_thread_record;
using orchestrix::bus::detail::ThreadRecord;

namespace {

// Runs `run` (if set) when the owning thread exits.
struct AtThreadExit {
  std::function<void()> run;
  ~AtThreadExit() {
    if (run) run();
  }
};

// GCC constructs a translation unit's namespace-scope thread_locals together, in declaration
// order (also the order in which the tests below first use them), on a thread's first use of any
// of them, and destroys them in reverse order. A thread
// that touches one of them before its first publish therefore destroys all three AFTER the bus's
// record holder, in the order t_before_unsubscribe, t_late_subscription, t_after_unsubscribe.
thread_local AtThreadExit t_after_unsubscribe;
thread_local std::optional<Subscription> t_late_subscription;
thread_local AtThreadExit t_before_unsubscribe;

// Records in the pool that no thread owns.
std::size_t free_records() {
  std::size_t n = 0;
  for (const ThreadRecord* r = first_thread_record(); r != nullptr; r = r->next) {
    if (!r->in_use.load()) ++n;
  }
  return n;
}

void spin_until(const std::atomic<bool>& flag) {
  while (!flag.load()) std::this_thread::yield();
}

}  // namespace

TEST_CASE("a publish from a late thread_local destructor uses a record that no live thread owns") {
  MessageBus bus;
  std::mutex mutex;
  std::vector<const ThreadRecord*> live_records;  // one per live thread, seen inside its publish
  const ThreadRecord* late_record = nullptr;
  const ThreadRecord* nested_record = nullptr;
  bool late_record_in_use = false;
  int late_calls = 0;
  auto probe = bus.subscribe<Ping>([&](const Ping& p) {
    const std::lock_guard lock(mutex);
    if (p.depth == 1) live_records.push_back(current_thread_record());
    if (p.depth == 2) {
      ++late_calls;
      late_record = current_thread_record();
      late_record_in_use = late_record != nullptr && late_record->in_use.load();
    }
    if (p.depth == 3) nested_record = current_thread_record();
  });
  auto nest = bus.subscribe<Ping>([&](const Ping& p) {
    if (p.depth == 2) bus.publish(make_message(Ping{3}));  // nested publish, same late call
  });

  std::atomic<bool> holder_gone{false};
  std::atomic<bool> live_ready{false};
  std::thread exiting([&] {
    t_before_unsubscribe.run = [&] {  // destroyed after the record holder
      holder_gone.store(true);
      spin_until(live_ready);
      bus.publish(make_message(Ping{2}));
    };
    bus.publish(make_message(Ping{0}));  // the thread's first publish: takes its record
  });

  // The exiting thread's record is back in the pool: let live threads claim every free record,
  // so that reusing the old one would share it with a live thread.
  spin_until(holder_gone);
  const std::size_t n = std::max<std::size_t>(free_records(), 1);
  std::atomic<std::size_t> published{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> live;
  for (std::size_t i = 0; i < n; ++i) {
    live.emplace_back([&] {
      bus.publish(make_message(Ping{1}));
      ++published;
      spin_until(stop);  // keeps its record while the late publish runs
    });
  }
  while (published.load() < n) std::this_thread::yield();
  live_ready.store(true);
  exiting.join();
  stop.store(true);
  for (auto& t : live) t.join();

  CHECK(late_calls == 1);
  REQUIRE(late_record != nullptr);
  CHECK(late_record_in_use);
  CHECK(nested_record == late_record);
  CHECK(std::find(live_records.begin(), live_records.end(), late_record) == live_records.end());
  CHECK_FALSE(late_record->in_use.load());  // handed back when the late publish returned
}

TEST_CASE("an unsubscribe from a late thread_local destructor waits for calls on live threads") {
  MessageBus bus;
  std::atomic<bool> holder_gone{false};
  std::atomic<bool> unsubscribing{false};
  std::atomic<std::size_t> in_call{0};
  std::atomic<std::size_t> finished{0};
  std::atomic<std::size_t> expected_calls{0};
  std::size_t finished_when_unsubscribed = 0;
  bool called_after_unsubscribe = false;
  std::atomic<bool> unsubscribed{false};

  std::thread exiting([&] {
    t_after_unsubscribe.run = [&] { finished_when_unsubscribed = finished.load(); };
    t_late_subscription.emplace(bus.subscribe<Ping>([&](const Ping& p) {
      if (p.depth != 1) return;
      if (unsubscribed.load()) called_after_unsubscribe = true;
      ++in_call;
      spin_until(unsubscribing);
      for (int i = 0; i < 1000; ++i) std::this_thread::yield();  // still running...
      ++finished;
    }));
    t_before_unsubscribe.run = [&] {  // destroyed after the record holder
      holder_gone.store(true);
      while (expected_calls.load() == 0 || in_call.load() < expected_calls.load()) {
        std::this_thread::yield();
      }
      unsubscribing.store(true);
      // ~t_late_subscription runs next: the unsubscribe must wait for all n calls.
    };
    bus.publish(make_message(Ping{0}));  // the thread's first publish: takes its record
  });

  spin_until(holder_gone);
  const std::size_t n = std::max<std::size_t>(free_records(), 1);
  std::vector<std::thread> live;
  for (std::size_t i = 0; i < n; ++i) {
    live.emplace_back([&] { bus.publish(make_message(Ping{1})); });
  }
  expected_calls.store(n);
  exiting.join();
  unsubscribed.store(true);
  for (auto& t : live) t.join();
  bus.publish(make_message(Ping{1}));  // not delivered any more

  CHECK(finished_when_unsubscribed == n);
  CHECK_FALSE(called_after_unsubscribe);
  CHECK(finished.load() == n);
}
