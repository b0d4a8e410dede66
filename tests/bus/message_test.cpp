#include "orchestrix/bus/message.hpp"

#include <doctest/doctest.h>

#include "test_messages.hpp"

using namespace orchestrix::bus;
using namespace bus_test;

static_assert(CommandBody<PlaceOrder> && !EventBody<PlaceOrder>);
static_assert(EventBody<OrderPlaced> && !CommandBody<OrderPlaced>);
static_assert(!MessageBody<int>);

TEST_CASE("interning equal text yields the same symbol and empty text the empty symbol") {
  const Symbol a = Symbol::intern("orders.Placed");
  const std::string copy = "orders.Placed";
  const Symbol b = Symbol::intern(copy);
  CHECK(a == b);
  CHECK(a.text() == "orders.Placed");
  CHECK_FALSE(a == Symbol::intern("orders.Shipped"));
  CHECK(Symbol::intern("").empty());
  CHECK(Symbol{}.text().empty());
}

TEST_CASE("make_message fills the CloudEvents metadata from the body type and the options") {
  const Symbol source = Symbol::intern("/orders");
  auto m = make_message(PlaceOrder{"o-1", 3}, {.subject = "order-1", .source = source});
  CHECK(m.metadata.type.text() == "test.PlaceOrder");
  CHECK(m.metadata.kind == MessageKind::kCommand);
  CHECK(m.kind == MessageKind::kCommand);
  CHECK(m.metadata.subject == "order-1");
  CHECK(m.metadata.source == source);
  CHECK(m.metadata.id.version() == 7);
  CHECK(m.metadata.time.unix_nanos() > 0);
  CHECK_FALSE(m.metadata.correlation_id.has_value());
  CHECK(m.body.order_id == "o-1");
  CHECK(m.body.quantity == 3);

  auto e = make_message(OrderPlaced{5});
  CHECK(e.metadata.kind == MessageKind::kEvent);
  CHECK(e.metadata.id != m.metadata.id);
}

TEST_CASE("caused_by links causation to the cause and keeps the conversation's correlation id") {
  auto first = make_message(PlaceOrder{"o-1", 1});
  auto second = make_message(OrderPlaced{1}, MessageOptions{}.caused_by(first.metadata));
  CHECK(second.metadata.causation_id == first.metadata.id);
  CHECK(second.metadata.correlation_id == first.metadata.id);
  auto third = make_message(OrderPlaced{2}, MessageOptions{}.caused_by(second.metadata));
  CHECK(third.metadata.causation_id == second.metadata.id);
  CHECK(third.metadata.correlation_id == first.metadata.id);
}

TEST_CASE("explicit id and time in the options are used as given") {
  const auto id = orchestrix::Uuid::parse("0190f3b4-0000-7000-8000-000000000001");
  auto m = make_message(OrderPlaced{}, {.id = id, .time = orchestrix::Timestamp{42}});
  CHECK(m.metadata.id == id);
  CHECK(m.metadata.time == orchestrix::Timestamp{42});
}
