// Fixtures of the allocator conformance suite: one per resource under test. Each gives
//   resource()            the std::pmr::memory_resource under test
//   kThreadSafe           whether the resource claims thread safety
//   check(ledger)         asserts its own statistics against what the test allocated, and
//                         runs its invariant walk (check_invariants()) where it has one
//   check_invariants()    only the walk (a no-op for resources without one)
//   trim(ledger)          gives memory back between rounds when nothing is live (arena)
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <stdexcept>

#include "orchestrix/alloc/arena_resource.hpp"
#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/pool_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"

namespace alloc_test {

namespace oa = orchestrix::alloc;

// Runs a resource's invariant walk; a violation fails the test with the walk's message.
template <typename R>
void walk(const R& resource) {
  try {
    resource.check_invariants();
  } catch (const orchestrix::InvariantViolation& e) {
    FAIL(e.what());
  }
}

// What a test has done to a resource, in bytes as requested (never 0-byte requests here).
struct Ledger {
  std::uint64_t live_bytes = 0;
  std::uint64_t live_blocks = 0;
  std::uint64_t total_bytes = 0;
  std::uint64_t total_allocations = 0;

  void allocated(std::size_t n) {
    live_bytes += n;
    live_blocks += 1;
    total_bytes += n;
    total_allocations += 1;
  }
  void freed(std::size_t n) {
    live_bytes -= n;
    live_blocks -= 1;
  }
};

struct SystemFixture {
  static constexpr bool kThreadSafe = true;
  std::pmr::memory_resource& resource() { return r; }
  void check(const Ledger&) {}
  void check_invariants() {}
  void trim(const Ledger&) {}
  oa::SystemResource r;
};

struct NewDeleteFixture {  // the std baseline, held to the same contract
  static constexpr bool kThreadSafe = true;
  std::pmr::memory_resource& resource() { return *std::pmr::new_delete_resource(); }
  void check(const Ledger&) {}
  void check_invariants() {}
  void trim(const Ledger&) {}
};

template <bool kSafe>
struct ArenaFixtureT {
  static constexpr bool kThreadSafe = kSafe;
  std::pmr::memory_resource& resource() { return r; }
  void check(const Ledger& l) {
    const oa::ArenaStats s = r.stats();
    CHECK(s.used_bytes == l.total_bytes);  // deallocate frees nothing
    CHECK(s.reserved_bytes >= s.used_bytes);
    CHECK(s.slack_bytes == s.reserved_bytes - s.used_bytes);
    walk(r);
  }
  void check_invariants() { walk(r); }
  void trim(Ledger& l) {
    if (l.live_blocks != 0) return;
    r.release();
    l = Ledger{};
    CHECK(r.stats().reserved_bytes == 0);
  }
  oa::ArenaResource r{oa::ArenaOptions{.block_bytes = 64 * 1024, .thread_safe = kSafe}};
};
using ArenaFixture = ArenaFixtureT<true>;
using UnsyncArenaFixture = ArenaFixtureT<false>;

template <bool kSafe>
struct PoolFixtureT {
  static constexpr bool kThreadSafe = kSafe;
  std::pmr::memory_resource& resource() { return r; }
  void check(const Ledger& l) {
    const oa::PoolStats s = r.stats();
    CHECK(s.requested_bytes + s.large_bytes == l.live_bytes);
    CHECK(s.used_bytes >= s.requested_bytes);
    CHECK(s.reserved_bytes == s.slabs * r.options().slab_bytes);
    CHECK(s.empty_slabs <= s.slabs);
    walk(r);
  }
  void check_invariants() { walk(r); }
  void trim(const Ledger&) {}
  oa::PoolResource r{oa::PoolOptions{.thread_safe = kSafe}};
};
using PoolFixture = PoolFixtureT<true>;
using UnsyncPoolFixture = PoolFixtureT<false>;

struct InstrumentedFixture {
  static constexpr bool kThreadSafe = true;
  std::pmr::memory_resource& resource() { return r; }
  void check(const Ledger& l) {
    const oa::MemoryStats s = r.stats();
    CHECK(s.bytes_live == l.live_bytes);
    CHECK(r.bytes_live() == l.live_bytes);
    CHECK(s.bytes_requested == l.total_bytes);
    CHECK(s.bytes_requested - s.bytes_deallocated == s.bytes_live);
    CHECK(s.allocations == l.total_allocations);
    CHECK(s.allocations - s.deallocations == l.live_blocks);
    CHECK(s.peak_bytes_live >= s.bytes_live);
    std::uint64_t histogram_total = 0;
    for (std::uint64_t count : s.size_classes.allocations) histogram_total += count;
    CHECK(histogram_total == s.allocations);
    walk(r);
  }
  void check_invariants() { walk(r); }
  void trim(const Ledger&) {}
  oa::InstrumentedResource r{oa::system_resource()};
};

struct BudgetFixture {
  static constexpr bool kThreadSafe = true;
  std::pmr::memory_resource& resource() { return r; }
  void check(const Ledger& l) {
    CHECK(r.bytes_live() == l.live_bytes);
    walk(r);
  }
  void check_invariants() { walk(r); }
  void trim(const Ledger&) {}
  oa::BudgetResource r{oa::system_resource(), std::size_t{1} << 30};
};

struct FailingNeverFixture {
  static constexpr bool kThreadSafe = true;
  std::pmr::memory_resource& resource() { return r; }
  void check(const Ledger& l) {
    CHECK(r.allocate_calls() == l.total_allocations);
    CHECK(r.injected_failures() == 0);
  }
  void check_invariants() {}
  void trim(const Ledger&) {}
  oa::FailingResource r{oa::system_resource(), 0};
};

}  // namespace alloc_test

TYPE_TO_STRING(alloc_test::SystemFixture);
TYPE_TO_STRING(alloc_test::NewDeleteFixture);
TYPE_TO_STRING(alloc_test::ArenaFixture);
TYPE_TO_STRING(alloc_test::UnsyncArenaFixture);
TYPE_TO_STRING(alloc_test::PoolFixture);
TYPE_TO_STRING(alloc_test::UnsyncPoolFixture);
TYPE_TO_STRING(alloc_test::InstrumentedFixture);
TYPE_TO_STRING(alloc_test::BudgetFixture);
TYPE_TO_STRING(alloc_test::FailingNeverFixture);
