// Thread-safety tests of the resources that claim it (ctest labels alloc, concurrency; run under
// ThreadSanitizer by the tsan preset). Blocks are freed by another thread than the allocating one.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "fixtures.hpp"

using namespace alloc_test;

namespace {

constexpr int kThreads = 4;
constexpr int kBlocksPerThread = 5000;

struct Held {
  void* p;
  std::size_t bytes;
  std::size_t alignment;
  unsigned char tag;
};

// Each thread allocates and fills blocks (freeing some of its own on the way), then, after
// every thread is done, checks and frees the blocks of the next thread.
// Returns the ledger of the whole run (nothing live at the end).
template <typename F>
Ledger run_cross_thread_frees(F& fixture) {
  std::vector<std::vector<Held>> kept(kThreads);
  std::atomic<int> corrupted{0};
  std::atomic<std::uint64_t> total_bytes{0};
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 rng(1000 + t);
        auto& mine = kept[t];
        for (int i = 0; i < kBlocksPerThread; ++i) {
          const std::size_t bytes = 1 + rng() % 2048;
          const std::size_t alignment = std::size_t{1} << (rng() % 7);
          const auto tag = static_cast<unsigned char>(t * 50 + i % 50 + 1);
          void* p = fixture.resource().allocate(bytes, alignment);
          total_bytes += bytes;
          std::memset(p, tag, bytes);
          mine.push_back({p, bytes, alignment, tag});
          if (rng() % 3 == 0) {
            const Held h = mine[rng() % mine.size()];
            if (static_cast<unsigned char*>(h.p)[h.bytes - 1] != h.tag) ++corrupted;
            fixture.resource().deallocate(h.p, h.bytes, h.alignment);
            mine.erase(
                std::find_if(mine.begin(), mine.end(), [&](const Held& x) { return x.p == h.p; }));
          }
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  fixture.check_invariants();  // quiescent: every thread of the first phase is joined
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (const Held& h : kept[(t + 1) % kThreads]) {
          const auto* bytes = static_cast<const unsigned char*>(h.p);
          for (std::size_t i = 0; i < h.bytes; ++i) {
            if (bytes[i] != h.tag) {
              ++corrupted;
              break;
            }
          }
          fixture.resource().deallocate(h.p, h.bytes, h.alignment);
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  CHECK(corrupted.load() == 0);
  Ledger ledger;
  ledger.total_bytes = total_bytes.load();
  ledger.total_allocations = std::uint64_t{kThreads} * kBlocksPerThread;
  return ledger;
}

}  // namespace

TEST_CASE_TEMPLATE(
    "A thread-safe resource serves many threads at once and accepts frees from other threads", F,
    SystemFixture, ArenaFixture, PoolFixture, InstrumentedFixture, BudgetFixture,
    FailingNeverFixture) {
  static_assert(F::kThreadSafe);
  F fixture;
  fixture.check(run_cross_thread_frees(fixture));  // every count adds up, nothing is live
}

TEST_CASE("Instrumented counters are exact after many threads, more than it has exclusive shards") {
  orchestrix::alloc::InstrumentedResource r(orchestrix::alloc::system_resource());
  constexpr int kManyThreads = 40;  // > 32 exclusive shards: some threads share the extra one
  constexpr int kPairs = 2000;
  std::vector<std::vector<void*>> held(kManyThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kManyThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPairs; ++i) held[t].push_back(r.allocate(48));
      for (int i = 0; i < kPairs / 2; ++i) r.deallocate(held[t][i], 48);
    });
  }
  for (auto& th : threads) th.join();
  walk(r);
  const auto s = r.stats();
  CHECK(s.allocations == std::uint64_t{kManyThreads} * kPairs);
  CHECK(s.deallocations == std::uint64_t{kManyThreads} * kPairs / 2);
  CHECK(s.bytes_live == std::uint64_t{kManyThreads} * kPairs / 2 * 48);
  CHECK(s.peak_bytes_live >= s.bytes_live);
  for (auto& mine : held) {
    for (std::size_t i = kPairs / 2; i < mine.size(); ++i) r.deallocate(mine[i], 48);
  }
  CHECK(r.bytes_live() == 0);
  walk(r);
}

TEST_CASE("Concurrent allocations never take a budget past its limit together") {
  constexpr std::size_t kLimit = 64 * 1024;
  orchestrix::alloc::BudgetResource budget(orchestrix::alloc::system_resource(), kLimit);
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> worst{0};
  std::atomic<int> refusals{0};
  std::atomic<int> wrong_numbers{0};
  std::thread watcher([&] {
    while (!stop.load()) {
      const std::size_t live = budget.bytes_live();
      std::size_t seen = worst.load();
      while (live > seen && !worst.compare_exchange_weak(seen, live)) {
      }
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(77 + t);
      std::vector<std::pair<void*, std::size_t>> held;
      for (int i = 0; i < 20000; ++i) {
        const std::size_t n = 64 + rng() % 4096;
        try {
          held.emplace_back(budget.allocate(n), n);
        } catch (const orchestrix::alloc::BudgetExceeded& e) {
          ++refusals;
          if (e.requested() != n || e.limit() != kLimit || e.live() + n <= kLimit) ++wrong_numbers;
          if (!held.empty()) {
            budget.deallocate(held.back().first, held.back().second);
            held.pop_back();
          }
        }
      }
      for (auto& [p, n] : held) budget.deallocate(p, n);
    });
  }
  for (auto& th : threads) th.join();
  stop = true;
  watcher.join();
  walk(budget);
  CHECK(worst.load() <= kLimit);
  CHECK(refusals.load() > 0);
  CHECK(wrong_numbers.load() == 0);
  CHECK(budget.bytes_live() == 0);
}
