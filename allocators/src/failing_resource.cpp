#include "orchestrix/alloc/failing_resource.hpp"

#include "orchestrix/errors.hpp"

namespace orchestrix::alloc {

FailingResource::FailingResource(std::pmr::memory_resource* upstream, std::uint64_t fail_at,
                                 FailMode mode)
    : upstream_(upstream), fail_at_(fail_at), mode_(mode) {
  if (upstream_ == nullptr) {
    throw InvalidArgument("FailingResource: upstream must not be null");
  }
}

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
  return upstream_->allocate(bytes, alignment);
}

void FailingResource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  upstream_->deallocate(p, bytes, alignment);
}

bool FailingResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return this == &other;
}

}  // namespace orchestrix::alloc
