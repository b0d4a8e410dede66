// orchestrix/alloc/failing_resource.hpp — fault injection: fail the Nth allocation.
//
// FailingResource forwards to its upstream, numbering its allocate calls 1, 2, 3, ... and
// throwing InjectedAllocationFailure (a std::bad_alloc) instead of calling the upstream for call
// number fail_at() — and, in FailMode::kFromNthOn, for every call after it too. fail_at() == 0
// never fails. Deallocate always forwards.
//
// A fault-injection sweep (the pattern SQLite's tests use over every allocation site):
//
//   for (std::uint64_t n = 1;; ++n) {
//     auto store = make_store(&failing);        // built while failing.fail_at() == 0
//     failing.set_fail_at(n);                   // restarts the call numbering
//     try { store.append(...); } catch (const std::bad_alloc&) { check_unchanged(store); }
//     const bool done = failing.injected_failures() == 0;  // n > allocations of one append
//     failing.set_fail_at(0);
//     if (done) break;
//   }
//
// Ownership: does not own the upstream, which must outlive this resource. Not copyable.
//
// Thread safety: every member may be called from any thread; the call numbering is one atomic
// counter, so with concurrent callers exactly one call gets number N (which thread's is not
// determined). set_fail_at() concurrent with allocations is safe but races with the numbering.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <new>

#include "orchestrix/alloc/forwarding_resource.hpp"

namespace orchestrix::alloc {

// What FailingResource throws. A std::bad_alloc, so code under test sees an ordinary
// allocation failure; tests may catch this type to tell injected failures from real ones.
class InjectedAllocationFailure : public std::bad_alloc {
 public:
  explicit InjectedAllocationFailure(std::uint64_t call) noexcept : call_(call) {}
  const char* what() const noexcept override {
    return "orchestrix::alloc::FailingResource: injected allocation failure";
  }
  // The 1-based number of the allocate call that failed.
  std::uint64_t call() const noexcept { return call_; }

 private:
  std::uint64_t call_;
};

enum class FailMode {
  kOnce,       // only call number N fails; later calls succeed again
  kFromNthOn,  // call N and every call after it fail (an allocator that stays exhausted)
};

class FailingResource : public ForwardingResource {
 public:
  // REQUIRES: upstream outlives *this (orchestrix::InvalidArgument when it is nullptr).
  // fail_at: 1-based call number, 0 = never.
  explicit FailingResource(std::pmr::memory_resource* upstream, std::uint64_t fail_at = 0,
                           FailMode mode = FailMode::kOnce);

  // Arms (or, with 0, disarms) the failure and restarts the call numbering: the next allocate
  // call is number 1. Also resets injected_failures() to 0.
  void set_fail_at(std::uint64_t fail_at, FailMode mode = FailMode::kOnce) noexcept;

  std::uint64_t fail_at() const noexcept { return fail_at_.load(std::memory_order_relaxed); }
  FailMode mode() const noexcept { return mode_.load(std::memory_order_relaxed); }

  // Allocate calls (failed ones included) since construction or the last set_fail_at().
  std::uint64_t allocate_calls() const noexcept { return calls_.load(std::memory_order_relaxed); }

  // Failures injected since construction or the last set_fail_at().
  std::uint64_t injected_failures() const noexcept {
    return failures_.load(std::memory_order_relaxed);
  }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  std::atomic<std::uint64_t> fail_at_;
  std::atomic<FailMode> mode_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace orchestrix::alloc
