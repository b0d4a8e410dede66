#include "orchestrix/alloc/failing_resource.hpp"

#include "orchestrix/errors.hpp"

namespace orchestrix::alloc {

FailingResource::FailingResource(std::pmr::memory_resource* upstream, std::uint64_t fail_at,
                                 FailMode mode)
    : ForwardingResource(upstream, "FailingResource"), fail_at_(fail_at), mode_(mode) {}

void FailingResource::set_fail_at(std::uint64_t fail_at, FailMode mode) noexcept {
  fail_at_.store(fail_at, std::memory_order_relaxed);
  mode_.store(mode, std::memory_order_relaxed);
  calls_.store(0, std::memory_order_relaxed);
  failures_.store(0, std::memory_order_relaxed);
}

void* FailingResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  const std::uint64_t call = calls_.fetch_add(1, std::memory_order_relaxed) + 1;
  const std::uint64_t n = fail_at_.load(std::memory_order_relaxed);
  if (n != 0 &&
      (call == n || (call > n && mode_.load(std::memory_order_relaxed) == FailMode::kFromNthOn))) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    throw InjectedAllocationFailure(call);
  }
  return upstream()->allocate(bytes, alignment);
}

}  // namespace orchestrix::alloc
