#include "orchestrix/bus/message_bus.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "test_messages.hpp"

using namespace orchestrix::bus;
using namespace bus_test;

namespace {
// "a0", "b2", ... (built without operator+(const char*, std::string&&), which trips a GCC 12
// -Wrestrict false positive).
std::string tag(char who, int depth) {
  std::string out(1, who);
  out.push_back(static_cast<char>('0' + depth));
  return out;
}
}  // namespace

TEST_CASE("handlers run in subscription order") {
  MessageBus bus;
  std::vector<int> calls;
  auto a = bus.subscribe<OrderPlaced>([&](const Envelope<OrderPlaced>&) { calls.push_back(1); });
  auto b = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { calls.push_back(2); });
  auto c = bus.subscribe<OrderPlaced>([&](const Envelope<OrderPlaced>&) { calls.push_back(3); });
  const PublishResult r = bus.publish(make_message(OrderPlaced{1}));
  CHECK(calls == std::vector<int>{1, 2, 3});
  CHECK(r.handled == 3);
  CHECK(r.failed == 0);
}

TEST_CASE("a message goes only to the handlers of its own body type") {
  MessageBus bus;
  int orders = 0, pings = 0;
  auto a = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { ++orders; });
  auto b = bus.subscribe<Ping>([&](const Ping&) { ++pings; });
  bus.publish(make_message(Ping{}));
  CHECK(orders == 0);
  CHECK(pings == 1);
}

TEST_CASE("publishing a message nobody subscribed to delivers nothing and is not an error") {
  MessageBus bus;
  const PublishResult r = bus.publish(make_message(PlaceOrder{"o", 1}));
  CHECK(r.handled == 0);
  CHECK(r.failed == 0);
  CHECK(bus.dead_letters().empty());
}

TEST_CASE("a throwing handler does not stop the others and its failure becomes a dead letter") {
  MessageBus bus;
  std::vector<int> calls;
  auto a = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { calls.push_back(1); });
  auto b = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) -> void {
    calls.push_back(2);
    throw std::runtime_error("boom");
  });
  auto c = bus.subscribe<OrderPlaced>([&](const OrderPlaced&) { calls.push_back(3); });
  const auto message = make_message(OrderPlaced{7}, {.subject = "agg-1"});
  const PublishResult r = bus.publish(message);
  CHECK(calls == std::vector<int>{1, 2, 3});
  CHECK(r.handled == 2);
  CHECK(r.failed == 1);
  REQUIRE(bus.dead_letters().size() == 1);
  auto letter = bus.dead_letters().pop();
  REQUIRE(letter.has_value());
  CHECK(letter->subscription() == b.id());
  CHECK(letter->what() == "boom");
  CHECK(letter->attempts() == 1);
  CHECK(letter->metadata().id == message.metadata.id);
  CHECK(letter->metadata().subject == "agg-1");
  REQUIRE(letter->message<OrderPlaced>() != nullptr);
  CHECK(letter->message<OrderPlaced>()->body.value == 7);
  CHECK(letter->message<Ping>() == nullptr);
  CHECK_THROWS_AS(std::rethrow_exception(letter->error()), std::runtime_error);
}

TEST_CASE("when every handler fails publish throws HandlerError carrying each failure") {
  MessageBus bus;
  auto a = bus.subscribe<OrderPlaced>(
      [](const OrderPlaced&) -> void { throw std::runtime_error("first"); });
  auto b = bus.subscribe<OrderPlaced>([](const OrderPlaced&) -> void { throw 42; });
  const auto message = make_message(OrderPlaced{});
  try {
    bus.publish(message);
    FAIL("publish did not throw");
  } catch (const HandlerError& e) {
    REQUIRE(e.failures().size() == 2);
    CHECK(e.failures()[0].subscription == a.id());
    CHECK(e.failures()[0].what == "first");
    CHECK(e.failures()[1].subscription == b.id());
    CHECK(e.failures()[1].what == "unknown exception");
    CHECK_THROWS_AS(std::rethrow_exception(e.failures()[1].error), int);
    CHECK(e.message_id() == message.metadata.id);
    CHECK(e.message_type().text() == "test.OrderPlaced");
    CHECK(std::string(e.what()).find("all 2 handlers") != std::string::npos);
  }
  CHECK(bus.dead_letters().empty());
}

TEST_CASE("destroying a subscription stops delivery to its handler") {
  MessageBus bus;
  int calls = 0;
  {
    auto s = bus.subscribe<Ping>([&](const Ping&) { ++calls; });
    CHECK(s.active());
    CHECK(bus.handler_count<Ping>() == 1);
    bus.publish(make_message(Ping{}));
  }
  bus.publish(make_message(Ping{}));
  CHECK(calls == 1);
  CHECK(bus.handler_count<Ping>() == 0);
}

TEST_CASE("a moved subscription keeps the handler until the new owner lets go") {
  MessageBus bus;
  int calls = 0;
  Subscription outer;
  {
    auto s = bus.subscribe<Ping>([&](const Ping&) { ++calls; });
    outer = std::move(s);
    CHECK_FALSE(s.active());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  }
  bus.publish(make_message(Ping{}));
  CHECK(calls == 1);
  outer.unsubscribe();
  outer.unsubscribe();  // idempotent
  bus.publish(make_message(Ping{}));
  CHECK(calls == 1);
}

TEST_CASE("a subscription may outlive its bus") {
  Subscription s;
  {
    MessageBus bus;
    s = bus.subscribe<Ping>([](const Ping&) {});
  }
  CHECK(s.active());
  s.unsubscribe();
  CHECK_FALSE(s.active());
}

TEST_CASE("a handler may publish and the nested message is handled depth first") {
  MessageBus bus;
  std::vector<std::string> trace;
  auto a = bus.subscribe<Ping>([&](const Ping& p) {
    trace.push_back(tag('a', p.depth));
    if (p.depth < 2) bus.publish(make_message(Ping{p.depth + 1}));
  });
  auto b = bus.subscribe<Ping>([&](const Ping& p) { trace.push_back(tag('b', p.depth)); });
  bus.publish(make_message(Ping{0}));
  CHECK(trace == std::vector<std::string>{"a0", "a1", "a2", "b2", "b1", "b0"});
}

TEST_CASE("a handler subscribed during a publish first sees the next message") {
  MessageBus bus;
  int late_calls = 0;
  Subscription late;
  auto a = bus.subscribe<Ping>([&](const Ping&) {
    if (!late.active()) late = bus.subscribe<Ping>([&](const Ping&) { ++late_calls; });
  });
  bus.publish(make_message(Ping{}));
  CHECK(late_calls == 0);
  bus.publish(make_message(Ping{}));
  CHECK(late_calls == 1);
}

TEST_CASE("a handler may unsubscribe itself and is not called again") {
  MessageBus bus;
  int calls = 0;
  Subscription self;
  self = bus.subscribe<Ping>([&](const Ping&) {
    ++calls;
    self.unsubscribe();  // returns at once: the call in progress is on this thread
  });
  bus.publish(make_message(Ping{}));
  bus.publish(make_message(Ping{}));
  CHECK(calls == 1);
  CHECK(bus.handler_count<Ping>() == 0);
}

TEST_CASE("a handler unsubscribed by an earlier handler is skipped in the same dispatch") {
  MessageBus bus;
  std::vector<int> calls;
  Subscription second;
  auto first = bus.subscribe<Ping>([&](const Ping&) {
    calls.push_back(1);
    second.unsubscribe();
  });
  second = bus.subscribe<Ping>([&](const Ping&) { calls.push_back(2); });
  auto third = bus.subscribe<Ping>([&](const Ping&) { calls.push_back(3); });
  bus.publish(make_message(Ping{}));
  CHECK(calls == std::vector<int>{1, 3});
}

TEST_CASE("a handler unsubscribed from a nested publish is not called again by the outer one") {
  MessageBus bus;
  std::vector<std::string> trace;
  Subscription victim;
  auto a = bus.subscribe<Ping>([&](const Ping& p) {
    trace.push_back(tag('a', p.depth));
    if (p.depth == 0) bus.publish(make_message(Ping{1}));
  });
  victim = bus.subscribe<Ping>([&](const Ping& p) {
    trace.push_back(tag('v', p.depth));
    victim.unsubscribe();
  });
  bus.publish(make_message(Ping{0}));
  CHECK(trace == std::vector<std::string>{"a0", "a1", "v1"});
}

TEST_CASE("publishes nested deeper than the limit throw NestingTooDeep") {
  MessageBus bus;
  int deepest = 0;
  bool threw = false;
  auto s = bus.subscribe<Ping>([&](const Ping& p) {
    deepest = p.depth;
    try {
      bus.publish(make_message(Ping{p.depth + 1}));
    } catch (const NestingTooDeep& e) {
      threw = true;
      CHECK(e.limit() == 32);
    }
  });
  bus.publish(make_message(Ping{1}));
  CHECK(threw);
  CHECK(deepest == 32);
}

TEST_CASE("a failure in a nested publish does not fail the outer handler") {
  MessageBus bus;
  bool caught = false;
  auto a = bus.subscribe<Ping>([&](const Ping&) {
    try {
      bus.publish(make_message(OrderPlaced{}));
    } catch (const HandlerError&) {
      caught = true;
    }
  });
  auto b = bus.subscribe<OrderPlaced>(
      [](const OrderPlaced&) -> void { throw std::logic_error("nested"); });
  const PublishResult r = bus.publish(make_message(Ping{}));
  CHECK(caught);
  CHECK(r.handled == 1);
}
