#include "orchestrix/alloc/budget_resource.hpp"

#include <cstdio>

#include "orchestrix/errors.hpp"

namespace orchestrix::alloc {

BudgetExceeded::BudgetExceeded(std::size_t requested, std::size_t limit, std::size_t live) noexcept
    : requested_(requested), limit_(limit), live_(live), message_{} {
  std::snprintf(message_, sizeof message_,
                "memory budget exceeded: requested %zu bytes with %zu of %zu bytes live", requested,
                live, limit);
}

BudgetResource::BudgetResource(std::pmr::memory_resource* upstream, std::size_t limit_bytes)
    : upstream_(upstream), limit_(limit_bytes) {
  if (upstream_ == nullptr) {
    throw InvalidArgument("BudgetResource: upstream must not be null");
  }
}

void* BudgetResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  std::size_t live = live_.load(std::memory_order_relaxed);
  for (;;) {
    const std::size_t limit = limit_.load(std::memory_order_relaxed);
    if (live > limit || bytes > limit - live) throw BudgetExceeded(bytes, limit, live);
    if (live_.compare_exchange_weak(live, live + bytes, std::memory_order_relaxed)) break;
  }
  try {
    return upstream_->allocate(bytes, alignment);
  } catch (...) {
    live_.fetch_sub(bytes, std::memory_order_relaxed);
    throw;
  }
}

void BudgetResource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  upstream_->deallocate(p, bytes, alignment);
  live_.fetch_sub(bytes, std::memory_order_relaxed);
}

bool BudgetResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return this == &other;
}

}  // namespace orchestrix::alloc
