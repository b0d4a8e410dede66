// The resources' invariant walks (check_invariants()): they pass through workloads that reach
// every state (oversized blocks, release, empty slabs, lowered limits, peak resets), and they
// report a structure corrupted on purpose. Where debug checks are on (ORCHESTRIX_DCHECKS), the
// misuse DCHECKs abort with their message (run in a forked child).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "orchestrix/detail/check.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix_test/run_in_child.hpp"

namespace oa = orchestrix::alloc;
using alloc_test::walk;

namespace {

struct Held {
  void* p;
  std::size_t bytes;
  std::size_t alignment;
};

// Random allocate/free traffic (fixed seed), walking the resource after every call.
template <typename R>
void churn(R& r, std::uint64_t seed, int ops, std::size_t max_bytes) {
  std::mt19937_64 rng(seed);
  std::vector<Held> live;
  for (int op = 0; op < ops; ++op) {
    CAPTURE(op);
    if (live.empty() || rng() % 100 < 60) {
      const std::size_t bytes = 1 + rng() % max_bytes;
      const std::size_t alignment = std::size_t{1} << (rng() % 8);
      live.push_back({r.allocate(bytes, alignment), bytes, alignment});
    } else {
      const std::size_t i = rng() % live.size();
      r.deallocate(live[i].p, live[i].bytes, live[i].alignment);
      live[i] = live.back();
      live.pop_back();
    }
    walk(r);
  }
  for (const Held& h : live) r.deallocate(h.p, h.bytes, h.alignment);
  walk(r);
}

// Runs the walk and returns its message ("" when it passed).
template <typename R>
std::string walk_message(const R& r) {
  try {
    r.check_invariants();
  } catch (const orchestrix::InvariantViolation& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the arena walk passes through regular and oversized blocks and release()") {
  oa::ArenaResource arena(oa::ArenaOptions{.block_bytes = 4096});
  walk(arena);
  churn(arena, 11, 2000, 2000);  // a quarter block is 1024 bytes: many oversized requests
  CHECK(arena.stats().oversized_blocks > 0);
  CHECK(arena.stats().blocks > 1);
  arena.release();
  walk(arena);
  churn(arena, 12, 200, 100);
}

TEST_CASE("the pool walk passes through full, partial and released slabs and large requests") {
  oa::PoolResource pool(oa::PoolOptions{.slab_bytes = 4096, .max_slot_bytes = 512});
  walk(pool);
  churn(pool, 21, 3000, 700);  // some requests above max_slot_bytes go to the upstream
  CHECK(pool.release_empty_slabs() > 0);
  walk(pool);
  CHECK(pool.stats().slabs == 0);
}

TEST_CASE("the instrumented walk passes at every granularity and across peak resets") {
  for (std::size_t granularity : {std::size_t{0}, std::size_t{64}, std::size_t{16 * 1024}}) {
    CAPTURE(granularity);
    oa::InstrumentedResource r(oa::system_resource(), {.peak_granularity_bytes = granularity});
    churn(r, 31, 1000, 300);
    void* p = r.allocate(5000);
    r.reset_peak();
    walk(r);
    r.deallocate(p, 5000);
    r.reset_peak();
    walk(r);
  }
}

TEST_CASE("the budget walk passes under a limit lowered below the bytes live") {
  oa::BudgetResource budget(oa::system_resource(), 10000);
  churn(budget, 41, 300, 60);
  void* a = budget.allocate(9000);
  budget.set_limit(1000);
  walk(budget);
  budget.deallocate(a, 9000);
  budget.set_limit(100000);
  churn(budget, 42, 300, 600);
}

TEST_CASE("the pool walk reports a free list corrupted through a freed slot") {
  oa::PoolResource pool(oa::PoolOptions{.slab_bytes = 4096, .max_slot_bytes = 512});
  void* a = pool.allocate(64);
  void* b = pool.allocate(64);
  pool.deallocate(a, 64);  // a heads its slab's free list; its first 8 bytes are the link
  walk(pool);

  void* saved = nullptr;
  std::memcpy(&saved, a, sizeof saved);
  // A write after free: the link now points outside the slab.
  int elsewhere = 0;
  void* bad = &elsewhere;
  std::memcpy(a, &bad, sizeof bad);
  const std::string outside = walk_message(pool);
  CHECK(outside.find("PoolResource: invariant violated: free-list entry #1") != std::string::npos);
  CHECK(outside.find("does not point at a carved slot") != std::string::npos);

  // Inside the slab but off the slot grid.
  bad = static_cast<char*>(b) + 8;
  std::memcpy(a, &bad, sizeof bad);
  CHECK(walk_message(pool).find("free-list entry #1") != std::string::npos);

  // A link to a slot in use makes the list longer than the free slots.
  bad = b;
  std::memcpy(a, &bad, sizeof bad);
  CHECK(walk_message(pool).find("free-list entries, expected 1") != std::string::npos);

  std::memcpy(a, &saved, sizeof saved);
  walk(pool);
  pool.deallocate(b, 64);
  walk(pool);
}

#if ORCHESTRIX_DCHECK_IS_ON

TEST_CASE("a pool deallocate with another size than the allocation's aborts (debug checks)") {
  oa::PoolResource pool;
  void* p = pool.allocate(64);
  const auto outcome = orchestrix::test::run_in_child([&] { pool.deallocate(p, 256); });
  CHECK(outcome.aborted);
  CHECK(outcome.stderr_text.find("deallocate with a size or alignment other than the "
                                 "allocation's") != std::string::npos);
  pool.deallocate(p, 64);
  walk(pool);
}

TEST_CASE("a budget deallocate of more bytes than are live aborts (debug checks)") {
  oa::BudgetResource budget(oa::system_resource(), 1000);
  void* p = budget.allocate(10);
  const auto outcome = orchestrix::test::run_in_child([&] {
    void* q = oa::system_resource()->allocate(100);
    budget.deallocate(q, 100);
  });
  CHECK(outcome.aborted);
  CHECK(outcome.stderr_text.find("deallocate of more bytes than are live") != std::string::npos);
  budget.deallocate(p, 10);
  walk(budget);
}

#endif
