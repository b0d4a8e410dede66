#include "orchestrix/alloc/budget_resource.hpp"

#include <cstdio>

#include "orchestrix/detail/check.hpp"
#include "orchestrix/detail/invariant.hpp"
#include "orchestrix/errors.hpp"

namespace orchestrix::alloc {

BudgetExceeded::BudgetExceeded(std::size_t requested, std::size_t limit, std::size_t live) noexcept
    : requested_(requested), limit_(limit), live_(live), message_{} {
  std::snprintf(message_, sizeof message_,
                "memory budget exceeded: requested %zu bytes with %zu of %zu bytes live", requested,
                live, limit);
}

BudgetResource::BudgetResource(std::pmr::memory_resource* upstream, std::size_t limit_bytes)
    : ForwardingResource(upstream, "BudgetResource"), limit_(limit_bytes), ceiling_(limit_bytes) {}

void* BudgetResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  std::size_t live = live_.load(std::memory_order_relaxed);
  for (;;) {
    const std::size_t limit = limit_.load(std::memory_order_relaxed);
    if (live > limit || bytes > limit - live) throw BudgetExceeded(bytes, limit, live);
    if (live_.compare_exchange_weak(live, live + bytes, std::memory_order_relaxed)) break;
  }
  try {
    return upstream()->allocate(bytes, alignment);
  } catch (...) {
    live_.fetch_sub(bytes, std::memory_order_relaxed);
    throw;
  }
}

void BudgetResource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  upstream()->deallocate(p, bytes, alignment);
  [[maybe_unused]] const std::size_t before = live_.fetch_sub(bytes, std::memory_order_relaxed);
  ORCHESTRIX_DCHECK_MSG(before >= bytes, "deallocate of more bytes than are live");
}

void BudgetResource::check_invariants() const {
  const std::size_t live = live_.load(std::memory_order_relaxed);
  const std::size_t ceiling = ceiling_.load(std::memory_order_relaxed);
  if (live > ceiling) {
    orchestrix::detail::invariant_violated("BudgetResource", live, " bytes live exceed the limit ",
                                           limit(), " (ceiling ", ceiling, ")");
  }
}

}  // namespace orchestrix::alloc
