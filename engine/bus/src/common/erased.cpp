#include "orchestrix/bus/detail/erased.hpp"

#include <atomic>

namespace orchestrix::bus::detail {

std::uint32_t next_message_type_index() noexcept {
  static constinit std::atomic<std::uint32_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace orchestrix::bus::detail
