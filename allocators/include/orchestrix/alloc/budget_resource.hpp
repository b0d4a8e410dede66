// orchestrix/alloc/budget_resource.hpp — a hard cap on the bytes a caller may hold.
//
// BudgetResource forwards to its upstream while the bytes live through it stay within a limit.
// A request that would take bytes_live() past limit() is refused with BudgetExceeded (a
// std::bad_alloc, so every std::pmr container and the memory_resource contract treat it as an
// allocation failure) before the upstream is asked, and a refused request changes nothing: the
// upstream is not called and bytes_live() is unchanged.
//
//   orchestrix::alloc::BudgetResource capped(std::pmr::new_delete_resource(), 64 << 20);
//   try { store_append(&capped, ...); }
//   catch (const orchestrix::alloc::BudgetExceeded& e) { e.requested(); e.limit(); e.live(); }
//
// Accounting is in bytes as requested by the caller (not the upstream's rounded-up block size,
// nor alignment padding). bytes_live() == limit() exactly is allowed.
//
// Ownership: does not own the upstream, which must outlive this resource. Not copyable.
//
// Thread safety: every member may be called from any thread. Admission is one compare-exchange
// on a shared atomic per allocate (and one atomic subtract per deallocate), so concurrent
// allocations can never overshoot the limit together. If the upstream throws, the reservation is
// rolled back and the upstream's exception propagates unchanged.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory_resource>
#include <new>

#include "orchestrix/alloc/forwarding_resource.hpp"

namespace orchestrix::alloc {

// Thrown by BudgetResource::allocate when the request does not fit under the limit.
// what() names the three numbers; building it allocates nothing.
class BudgetExceeded : public std::bad_alloc {
 public:
  BudgetExceeded(std::size_t requested, std::size_t limit, std::size_t live) noexcept;

  const char* what() const noexcept override { return message_; }

  // Bytes the refused allocate call asked for.
  std::size_t requested() const noexcept { return requested_; }
  // The limit in force when the request was refused.
  std::size_t limit() const noexcept { return limit_; }
  // Bytes live through the budget when the request was refused.
  std::size_t live() const noexcept { return live_; }

 private:
  std::size_t requested_;
  std::size_t limit_;
  std::size_t live_;
  char message_[160];
};

class BudgetResource : public ForwardingResource {
 public:
  // REQUIRES: upstream outlives *this. Throws orchestrix::InvalidArgument when it is nullptr.
  BudgetResource(std::pmr::memory_resource* upstream, std::size_t limit_bytes);

  std::size_t limit() const noexcept { return limit_.load(std::memory_order_relaxed); }

  // Changes the limit for later requests. Lowering it below bytes_live() frees nothing: requests
  // are refused until enough is deallocated.
  void set_limit(std::size_t limit_bytes) noexcept {
    limit_.store(limit_bytes, std::memory_order_relaxed);
    const std::size_t live = live_.load(std::memory_order_relaxed);
    ceiling_.store(limit_bytes > live ? limit_bytes : live, std::memory_order_relaxed);
  }

  // Bytes allocated through this resource and not yet deallocated.
  std::size_t bytes_live() const noexcept { return live_.load(std::memory_order_relaxed); }

  // Debugging aid: checks that bytes_live() <= limit(), or, after set_limit() lowered the limit
  // below the bytes then live, that bytes_live() has not grown past what was live then. Throws
  // orchestrix::InvariantViolation naming the numbers. REQUIRES: set_limit() was not called
  // concurrently with allocations (a request admitted under the old limit may land after it; not
  // checkable).
  void check_invariants() const;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;

  std::atomic<std::size_t> limit_;
  std::atomic<std::size_t> live_{0};
  // max(limit, bytes live when the limit was last set): bytes_live() never exceeds it.
  std::atomic<std::size_t> ceiling_;
};

}  // namespace orchestrix::alloc
