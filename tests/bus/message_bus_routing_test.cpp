// MessageBus routing: which handlers a publish reaches as the per-type handler lists change, the
// handler objects it calls, and the nesting depth it restores.
#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <numeric>
#include <vector>

#include "orchestrix/bus/message_bus.hpp"
#include "test_messages.hpp"

using namespace orchestrix::bus;
using namespace bus_test;

namespace {

// Used by one test only, so that its type index is assigned there, after every type that test
// subscribes: the highest index so far, beyond the end of the bus's routing table.
struct FirstUsedLate {
  static constexpr MessageKind message_kind = MessageKind::kEvent;
  static constexpr std::string_view message_type = "test.FirstUsedLate";
  int value = 0;
};

}  // namespace

TEST_CASE("each body type keeps its own handlers while other types subscribe and unsubscribe") {
  MessageBus bus;
  std::vector<int> calls;
  auto a1 = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { calls.push_back(1); });
  auto p1 = bus.subscribe<Ping>([&](const Ping&) { calls.push_back(10); });
  auto a2 = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { calls.push_back(2); });
  auto c1 = bus.subscribe<PlaceOrder>([&](const PlaceOrder&) { calls.push_back(20); });
  auto a3 = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { calls.push_back(3); });

  a2.unsubscribe();
  auto a4 = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { calls.push_back(4); });
  p1.unsubscribe();

  PublishResult r = bus.publish(make_message(OrderPlaced{}));
  CHECK(calls == std::vector<int>{1, 3, 4});
  CHECK(r.handled == 3);
  CHECK(bus.handler_count<OrderPlaced>() == 3);

  calls.clear();
  r = bus.publish(make_message(Ping{}));  // its only handler is gone: routed to none
  CHECK(calls.empty());
  CHECK(r.handled == 0);
  CHECK(bus.handler_count<Ping>() == 0);

  r = bus.publish(make_message(PlaceOrder{"o-1", 1}));
  CHECK(calls == std::vector<int>{20});
  CHECK(r.handled == 1);

  calls.clear();
  a1.unsubscribe();
  a3.unsubscribe();
  a4.unsubscribe();
  r = bus.publish(make_message(OrderPlaced{}));
  CHECK(calls.empty());
  CHECK(r.handled == 0);
  CHECK(bus.handler_count<OrderPlaced>() == 0);
  CHECK(bus.handler_count<PlaceOrder>() == 1);
}

TEST_CASE("a type first used after the others is routed to none, then to its own handler") {
  MessageBus bus;
  int orders = 0;
  int late = 0;
  auto a = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { ++orders; });
  CHECK(bus.publish(make_message(FirstUsedLate{})).handled == 0);
  CHECK(bus.handler_count<FirstUsedLate>() == 0);

  auto b = bus.subscribe<FirstUsedLate>([&](const FirstUsedLate& m) { late += m.value; });
  CHECK(bus.publish(make_message(FirstUsedLate{5})).handled == 1);
  CHECK(bus.publish(make_message(OrderPlaced{})).handled == 1);
  CHECK(late == 5);
  CHECK(orders == 1);
}

TEST_CASE("each handler is called on its own object, which keeps its state between publishes") {
  MessageBus bus;
  std::vector<int> seen;
  // A large capture, so that the handler object is not the subscription's only storage.
  std::array<int, 64> weights{};
  std::iota(weights.begin(), weights.end(), 1);
  auto counting = bus.subscribe<Ping>([&seen, n = 0](const Ping&) mutable { seen.push_back(++n); });
  auto weighted = bus.subscribe<Ping>([&seen, weights](const Envelope<Ping>& m) {
    seen.push_back(weights[static_cast<std::size_t>(m.body.depth)]);
  });
  bus.publish(make_message(Ping{0}));
  bus.publish(make_message(Ping{63}));
  bus.publish(make_message(Ping{9}));
  CHECK(seen == std::vector<int>{1, 1, 2, 64, 3, 10});
}

TEST_CASE("after NestingTooDeep the nesting depth is back where it was: the limit stays 32") {
  MessageBus bus;
  int deepest = 0;
  int refusals = 0;
  auto s = bus.subscribe<Ping>([&](const Ping& p) {
    deepest = p.depth;
    try {
      bus.publish(make_message(Ping{p.depth + 1}));
    } catch (const NestingTooDeep&) {
      ++refusals;
    }
  });
  for (int round = 1; round <= 3; ++round) {
    deepest = 0;
    CHECK(bus.publish(make_message(Ping{1})).handled == 1);
    CHECK(deepest == 32);
    CHECK(refusals == round);
  }
}
