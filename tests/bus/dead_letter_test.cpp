#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory_resource>
#include <stdexcept>
#include <vector>

#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/bus/message_bus.hpp"
#include "test_messages.hpp"

using namespace orchestrix::bus;
using namespace bus_test;

namespace {

// A bus whose Ping handlers are: one that always succeeds, one that fails while `failing`.
struct Fixture {
  explicit Fixture(DeadLetterOptions options = {}) : bus(BusOptions{options}) {
    ok = bus.subscribe<Ping>([this](const Ping&) { ++ok_calls; });
    flaky = bus.subscribe<Ping>([this](const Ping& p) {
      ++flaky_calls;
      if (failing) throw std::runtime_error(p.depth < 0 ? "negative" : "failed");
    });
  }
  MessageBus bus;
  Subscription ok, flaky;
  int ok_calls = 0, flaky_calls = 0;
  bool failing = true;
};

std::vector<int> queued_depths(const DeadLetterQueue& q) {
  std::vector<int> out;
  q.for_each([&](const DeadLetter& l) { out.push_back(l.message<Ping>()->body.depth); });
  return out;
}

}  // namespace

TEST_CASE("a full dead-letter queue drops the oldest letter by default and counts it") {
  Fixture f(DeadLetterOptions{.capacity = 2});
  for (int i = 0; i < 3; ++i) f.bus.publish(make_message(Ping{i}));
  const auto& q = f.bus.dead_letters();
  CHECK(q.size() == 2);
  CHECK(q.dropped() == 1);
  CHECK(q.total() == 3);
  CHECK(queued_depths(q) == std::vector<int>{1, 2});
}

TEST_CASE("with kDropNewest a full dead-letter queue keeps the oldest letters") {
  Fixture f(DeadLetterOptions{.capacity = 2, .when_full = DeadLetterPolicy::kDropNewest});
  for (int i = 0; i < 3; ++i) f.bus.publish(make_message(Ping{i}));
  CHECK(queued_depths(f.bus.dead_letters()) == std::vector<int>{0, 1});
  CHECK(f.bus.dead_letters().dropped() == 1);
}

TEST_CASE("a dead-letter queue of capacity zero keeps nothing and publish still succeeds") {
  Fixture f(DeadLetterOptions{.capacity = 0});
  const PublishResult r = f.bus.publish(make_message(Ping{}));
  CHECK(r.handled == 1);
  CHECK(r.failed == 1);
  CHECK(f.bus.dead_letters().empty());
  CHECK(f.bus.dead_letters().dropped() == 1);
}

TEST_CASE("dead letters and their message copies live in the configured memory resource") {
  CountingResource resource;
  {
    Fixture f(DeadLetterOptions{.capacity = 8, .memory = &resource});
    const std::size_t empty_queue_bytes = resource.live_bytes;  // the deque's map and first chunk
    f.bus.publish(make_message(Ping{1}));
    CHECK(resource.live_bytes >= empty_queue_bytes + sizeof(orchestrix::bus::Envelope<Ping>));
    f.bus.dead_letters().clear();
    CHECK(resource.live_bytes == empty_queue_bytes);
    f.bus.publish(make_message(Ping{2}));
  }
  CHECK(resource.live_bytes == 0);
}

TEST_CASE("redriving to the failed handler calls only that handler and empties the queue") {
  Fixture f;
  f.bus.publish(make_message(Ping{}));
  f.failing = false;
  const RedriveResult r = f.bus.redrive_dead_letters();
  CHECK(r.succeeded == 1);
  CHECK(r.failed_again == 0);
  CHECK(f.ok_calls == 1);
  CHECK(f.flaky_calls == 2);
  CHECK(f.bus.dead_letters().empty());
}

TEST_CASE("a redriven letter that fails again returns to the queue with one more attempt") {
  Fixture f;
  f.bus.publish(make_message(Ping{}));
  const RedriveResult r = f.bus.redrive_dead_letters();
  CHECK(r.failed_again == 1);
  REQUIRE(f.bus.dead_letters().size() == 1);
  CHECK(f.bus.dead_letters().pop()->attempts() == 2);
}

TEST_CASE("a letter whose handler was unsubscribed is orphaned on redrive and discarded") {
  Fixture f;
  f.bus.publish(make_message(Ping{}));
  f.flaky.unsubscribe();
  const RedriveResult r = f.bus.redrive_dead_letters();
  CHECK(r.orphaned == 1);
  CHECK(f.bus.dead_letters().empty());
  CHECK(f.ok_calls == 1);
}

TEST_CASE("redriving to all handlers publishes the message again to every current handler") {
  Fixture f;
  f.bus.publish(make_message(Ping{}));
  f.failing = false;
  auto letter = f.bus.dead_letters().pop();
  REQUIRE(letter.has_value());
  const PublishResult r = f.bus.redrive(std::move(*letter), RedriveTarget::kAllHandlers);
  CHECK(r.handled == 2);
  CHECK(f.ok_calls == 2);
  CHECK(f.flaky_calls == 2);
}

TEST_CASE("take_all returns the letters oldest first and leaves the queue empty") {
  Fixture f;
  for (int i = 0; i < 3; ++i) f.bus.publish(make_message(Ping{i}));
  auto letters = f.bus.dead_letters().take_all();
  REQUIRE(letters.size() == 3);
  CHECK(letters[0].message<Ping>()->body.depth == 0);
  CHECK(letters[2].message<Ping>()->body.depth == 2);
  CHECK(f.bus.dead_letters().empty());
  CHECK_FALSE(f.bus.dead_letters().pop().has_value());
}

TEST_CASE(
    "redriving to all handlers when every one fails again queues letters instead of throwing") {
  Fixture f;
  bool ok_fails = false;
  auto picky = f.bus.subscribe<Ping>([&](const Ping&) {
    if (ok_fails) throw std::runtime_error("now failing too");
  });
  f.bus.publish(make_message(Ping{}));  // only `flaky` fails
  REQUIRE(f.bus.dead_letters().size() == 1);
  f.ok.unsubscribe();
  ok_fails = true;
  const RedriveResult r = f.bus.redrive_dead_letters(RedriveTarget::kAllHandlers);
  CHECK(r.failed_again == 1);
  REQUIRE(f.bus.dead_letters().size() == 2);
  f.bus.dead_letters().for_each([](const DeadLetter& l) { CHECK(l.attempts() == 2); });
}

TEST_CASE("a full kDropOldest queue that cannot allocate keeps its letters and counts once") {
  // Every allocation of each publish fails in turn (the message copy, then the queue's deque
  // when the new letter needs a block): a failed one must leave the held letters as they were
  // and count the arriving letter once, as dropped.
  orchestrix::alloc::FailingResource failing(std::pmr::new_delete_resource());
  Fixture f(DeadLetterOptions{.capacity = 3, .memory = &failing});
  const auto& q = f.bus.dead_letters();
  for (int i = 0; i < 3; ++i) f.bus.publish(make_message(Ping{i}));
  REQUIRE(queued_depths(q) == std::vector<int>{0, 1, 2});
  std::uint64_t most_sites = 0;  // allocations that could fail in one publish
  for (int next = 3; next < 40; ++next) {
    CAPTURE(next);
    for (std::uint64_t n = 1;; ++n) {
      CAPTURE(n);
      const std::vector<int> before = queued_depths(q);
      const std::uint64_t dropped = q.dropped();
      const std::uint64_t total = q.total();
      failing.set_fail_at(n);
      const PublishResult r = f.bus.publish(make_message(Ping{next}));
      const bool failed = failing.injected_failures() != 0;
      failing.set_fail_at(0);
      CHECK(r.failed == 1);
      CHECK(q.total() == total + 1);
      CHECK(q.dropped() == dropped + 1);
      CHECK(q.total() == q.size() + q.dropped());
      if (failed) {
        CHECK(queued_depths(q) == before);  // the arriving letter was the one dropped
        continue;
      }
      std::vector<int> expected(before.begin() + 1, before.end());
      expected.push_back(next);
      CHECK(queued_depths(q) == expected);  // the oldest was the one dropped
      most_sites = std::max(most_sites, n - 1);
      break;
    }
  }
  CHECK(most_sites >= 2);  // some publish failed inside the queue, not only at the message copy
}
