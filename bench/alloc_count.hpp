// Allocation counting for the benchmarks: the `allocs_per_op` counter.
//
// What is counted, per thread: every call of the replaced global operator new (all its forms,
// alloc_count.cpp), plus the calls the benchmarks route through count_allocation() themselves:
// the Orchestrix store's memory resource (CountedResource, under its InstrumentedResource) and
// SQLite's malloc methods (the SQLite peer installs counting ones). Not counted: malloc calls a
// library makes on its own (LMDB's page buffers and transactions), so LMDB's figure is a lower
// bound.
//
// Thread safety: the counter is thread-local; AllocCount reads the calling thread's counter, and
// the counter it sets is averaged over the benchmark's threads (kAvgThreads).
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory_resource>

namespace orchestrix::bench {

// Allocations made so far by the calling thread.
std::uint64_t thread_allocations() noexcept;
// Adds one allocation to the calling thread's count.
void count_allocation() noexcept;

// Counts the calling thread's allocations from construction to report(); put it right before a
// benchmark's loop. report() sets state.counters["allocs_per_op"] = allocations / iterations.
class AllocCount {
 public:
  AllocCount() noexcept : start_(thread_allocations()) {}
  void report(benchmark::State& state) const;

 private:
  std::uint64_t start_;
};

// A memory resource that counts each allocate call, then forwards to `upstream` (not owned,
// must outlive it). Thread-safe when the upstream is.
class CountedResource : public std::pmr::memory_resource {
 public:
  explicit CountedResource(std::pmr::memory_resource* upstream) noexcept : upstream_(upstream) {}

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  std::pmr::memory_resource* upstream_;
};

}  // namespace orchestrix::bench
