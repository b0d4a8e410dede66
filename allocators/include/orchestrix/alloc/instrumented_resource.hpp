// orchestrix/alloc/instrumented_resource.hpp — a counting decorator over any memory resource.
//
// InstrumentedResource forwards every call to its upstream and counts it: allocate and
// deallocate calls, bytes requested and given back, bytes live, the peak of bytes live, and a
// size-class histogram (see MemoryStats). It is the project's primary, deterministic memory
// measurement: "bytes the store holds" means bytes_live() of the instrumented resource under it.
//
//   orchestrix::alloc::InstrumentedResource counted;            // over new_delete_resource()
//   std::pmr::vector<int> v(&counted);
//   v.resize(1000);
//   counted.bytes_live();                                        // 4000
//
// Ownership: does not own the upstream, which must outlive this resource. Not copyable.
//
// Thread safety: allocate, deallocate, stats(), bytes_live() and reset_peak() may be called from
// any number of threads at once. A block may be freed by another thread than the one that
// allocated it.
//
// Cost: no shared cache line is written per call. Counters live in cache-line-aligned shards,
// one per thread (up to 32 live threads; further threads share one extra shard and pay atomic
// read-modify-writes), updated with plain relaxed stores by their only writer and summed on
// read. Measured overhead over the bare upstream: see docs/allocators.md
// (bench/alloc_resources.cpp, BM_Instrumented* against BM_NewDelete*). Memory: about 10 KiB
// per instance (33 shards of 320 bytes).
//
// Exactness: every counter, and bytes_live(), is exact once the threads that touched the
// resource are quiescent (a read concurrent with calls sees each shard's recent past).
// The peak is tracked at a granularity of G = Options::peak_granularity_bytes: each shard
// publishes its net change to one shared total only when that change reaches +-G, and the peak
// is the highest published total (and never less than the exact live figure at the time of a
// stats() or reset_peak() call). With S threads allocating, the reported peak P satisfies
//     true_peak - S * G  <  P  <=  true_peak + (S - 1) * G,
// so one thread gives true_peak - G < P <= true_peak, and G = 0 gives the exact peak at the
// cost of one shared atomic add per call. Always: stats().peak_bytes_live >= stats().bytes_live.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>

#include "orchestrix/alloc/forwarding_resource.hpp"
#include "orchestrix/alloc/memory_stats.hpp"

namespace orchestrix::alloc {

class InstrumentedResource : public ForwardingResource {
 public:
  struct Options {
    // Peak tracking granularity in bytes (see "Exactness" above). 0 = exact peak.
    std::size_t peak_granularity_bytes = 16 * 1024;
  };

  // REQUIRES: upstream outlives *this. Throws orchestrix::InvalidArgument when it is nullptr.
  explicit InstrumentedResource(
      std::pmr::memory_resource* upstream = std::pmr::new_delete_resource());
  InstrumentedResource(std::pmr::memory_resource* upstream, Options options);
  ~InstrumentedResource() override;

  // A snapshot of every counter (summing all shards: ~33 cache lines read).
  MemoryStats stats() const;

  // bytes_requested - bytes_deallocated, summed over the shards. Cheaper than stats().
  std::size_t bytes_live() const;

  // Restarts peak tracking: the peak becomes the current (exact) bytes_live.
  void reset_peak();

  // Debugging aid: checks the counters against each other — bytes and blocks freed do not
  // exceed those allocated, the size-class histogram sums to the allocation count, the shared
  // total plus every shard's unpublished change equals bytes_live(), each shard's unpublished
  // change stays below the peak granularity G, and bytes_live() stays within the peak plus the
  // documented slack (<= peak when G = 0). Throws orchestrix::InvariantViolation naming the broken
  // invariant. REQUIRES: no other call into this resource runs concurrently (the counters are exact
  // only at quiescent points; not checkable). Cost: a read of every shard; no allocation unless it
  // throws.
  void check_invariants() const;

 private:
  struct Shard;

  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;

  void publish(std::int64_t delta) noexcept;
  std::int64_t exact_live() const noexcept;

  std::int64_t granularity_;
  std::unique_ptr<Shard[]> shards_;
  // Shared, written only when a shard publishes (at most once per G bytes of net change).
  alignas(64) std::atomic<std::int64_t> published_live_{0};
  mutable std::atomic<std::int64_t> peak_{0};  // raised by stats() too
};

}  // namespace orchestrix::alloc
