// A downstream program built against the installed package: append, read back, publish.
#include <array>
#include <cstdio>
#include <orchestrix/alloc/instrumented_resource.hpp>
#include <orchestrix/bus/message_bus.hpp>
#include <orchestrix/orchestrix.hpp>

namespace {
struct OrderPlaced {
  static constexpr orchestrix::bus::MessageKind message_kind = orchestrix::bus::MessageKind::kEvent;
  static constexpr std::string_view message_type = "orders.OrderPlaced";
  int quantity = 0;
};
}  // namespace

int main() {
  orchestrix::alloc::InstrumentedResource memory;
  orchestrix::EventStore store({.memory = &memory});
  const std::array<std::byte, 2> payload{std::byte{'{'}, std::byte{'}'}};
  const std::array<orchestrix::EventData, 1> events{
      orchestrix::EventData{.type = "OrderPlaced", .data = payload}};
  store.append("order-1", events, orchestrix::ExpectedVersion::no_stream());
  std::size_t read = 0;
  for (const orchestrix::EventView& e : store.read("order-1")) read += e.type() == "OrderPlaced";

  orchestrix::bus::MessageBus bus;
  int seen = 0;
  auto sub = bus.subscribe<OrderPlaced>([&](const OrderPlaced& m) { seen += m.quantity; });
  bus.publish(orchestrix::bus::make_message(OrderPlaced{3}));

  const bool ok =
      read == 1 && seen == 3 && memory.bytes_live() == store.memory_stats().total_bytes();
  std::printf("consumer: read %zu event(s), bus delivered %d, store holds %zu bytes: %s\n", read,
              seen, memory.bytes_live(), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
