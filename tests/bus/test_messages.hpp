// Message bodies shared by the bus tests.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <stdexcept>
#include <string>
#include <string_view>

#include "orchestrix/bus/message.hpp"

namespace bus_test {

using orchestrix::bus::MessageKind;

struct PlaceOrder {
  static constexpr MessageKind message_kind = MessageKind::kCommand;
  static constexpr std::string_view message_type = "test.PlaceOrder";
  std::string order_id;
  int quantity = 0;
};

struct OrderPlaced {
  static constexpr MessageKind message_kind = MessageKind::kEvent;
  static constexpr std::string_view message_type = "test.OrderPlaced";
  int value = 0;
};

struct Ping {
  static constexpr MessageKind message_kind = MessageKind::kEvent;
  static constexpr std::string_view message_type = "test.Ping";
  int depth = 0;
};

// A resource that counts what goes through it (single-threaded tests only).
class CountingResource : public std::pmr::memory_resource {
 public:
  std::size_t allocations = 0;
  std::size_t live_bytes = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    ++allocations;
    live_bytes += bytes;
    return std::pmr::new_delete_resource()->allocate(bytes, align);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    live_bytes -= bytes;
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

}  // namespace bus_test
