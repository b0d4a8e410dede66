// orchestrix/alloc/pool_resource.hpp — fixed-size slots in slabs, per size class.
//
// PoolResource serves small requests (up to PoolOptions::max_slot_bytes) from slabs: blocks of
// PoolOptions::slab_bytes taken from the upstream and cut into equal slots of one size class
// (8, 16, 24, 32, then every 16 bytes to 128, then four classes per doubling; at most ~25% of a
// slot is rounding waste above 128 bytes). Each slab keeps its own free list, so a freed slot is
// reused by the next request of its class, and a slab whose slots are all free ("empty") can be
// given back with release_empty_slabs(). Larger requests go straight to the upstream.
//
// Use it for many small objects with churn (records, index nodes); use ArenaResource for data
// freed all at once. Unlike the arena, deallocate() really frees: a slot is reusable at once.
//
// Memory cost: a 48-byte header per slab (plus padding to the slot alignment, and the unused
// tail when slab_bytes is not a multiple of the slot size), free slots of held slabs, and the
// rounding of each request up to its class. Empty slabs are kept until release_empty_slabs()
// (or destruction). stats() reports all of it.
//
// Alignment: a slot of size s is aligned to the largest power of two dividing s (at most 4096);
// an over-aligned request moves up to a class that satisfies it, or to the upstream. Slabs are
// requested from the upstream with alignment slab_bytes (the slab of a slot is found by masking
// its address), so the upstream must honour large alignments (every std and orchestrix resource
// does; an arena upstream wastes up to slab_bytes per slab on it).
//
// Thread safety: with PoolOptions::thread_safe (the default) every member may be called from any
// thread (one mutex). With thread_safe = false the caller serializes all calls.
//
// Ownership: owns its slabs; does not own the upstream, which must outlive it. Not copyable.
// Destruction gives every slab back; requests passed to the upstream (larger than
// max_slot_bytes) are not tracked individually and must be deallocated by their owner first.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <mutex>
#include <string>

#include "orchestrix/alloc/system_resource.hpp"

namespace orchestrix::alloc {

struct PoolOptions {
  // Bytes per slab: a power of two, >= 4096 and >= 8 * max_slot_bytes.
  std::size_t slab_bytes = 64 * 1024;
  // Largest request served from slabs: a multiple of 8 in [8, 32768].
  std::size_t max_slot_bytes = 4096;
  // Guard every call with a mutex (see "Thread safety").
  bool thread_safe = true;
};

// X(name, description): the fields of PoolStats (all uint64; bytes unless the name says count).
#define ORCHESTRIX_POOL_STATS_FIELDS(X)                                                 \
  X(used_bytes, "bytes of slots in use (slot sizes, so >= requested_bytes)")            \
  X(requested_bytes, "bytes the callers asked for, over the slots in use")              \
  X(reserved_bytes, "bytes of slabs held from the upstream")                            \
  X(free_slots, "slots not in use in the held slabs")                                   \
  X(slabs, "slabs held")                                                                \
  X(empty_slabs, "held slabs with no slot in use (release_empty_slabs() returns them)") \
  X(large_bytes, "live bytes of requests above max_slot_bytes, served by the upstream") \
  X(large_allocations, "live requests above max_slot_bytes, served by the upstream")

// What a pool holds and how it is used; see ORCHESTRIX_POOL_STATS_FIELDS. Internal waste is
// used_bytes - requested_bytes; free space in held slabs is reserved_bytes minus slot bytes in
// use, headers and slab tails.
struct PoolStats {
#define ORCHESTRIX_POOL_STATS_DECLARE_(name, description) std::uint64_t name = 0;
  ORCHESTRIX_POOL_STATS_FIELDS(ORCHESTRIX_POOL_STATS_DECLARE_)
#undef ORCHESTRIX_POOL_STATS_DECLARE_
};

// Calls f(name, value) for every field in ORCHESTRIX_POOL_STATS_FIELDS order (name: a
// const char* with static storage duration; value: std::uint64_t).
template <typename F>
void for_each_field(const PoolStats& stats, F&& f) {
#define ORCHESTRIX_POOL_STATS_VISIT_(name, description) f(#name, stats.name);
  ORCHESTRIX_POOL_STATS_FIELDS(ORCHESTRIX_POOL_STATS_VISIT_)
#undef ORCHESTRIX_POOL_STATS_VISIT_
}

// One "name: value" line per field. Allocates.
std::string to_string(const PoolStats& stats);
// A flat JSON object of every field. Allocates.
std::string to_json(const PoolStats& stats);

namespace detail {
class PoolSizeClasses;
}

class PoolResource : public std::pmr::memory_resource {
 public:
  // REQUIRES: upstream outlives *this. Throws orchestrix::InvalidArgument when upstream is
  // nullptr or for options outside the documented ranges.
  explicit PoolResource(std::pmr::memory_resource* upstream = system_resource(),
                        PoolOptions options = {});
  explicit PoolResource(PoolOptions options) : PoolResource(system_resource(), options) {}
  ~PoolResource() override;

  PoolResource(const PoolResource&) = delete;
  PoolResource& operator=(const PoolResource&) = delete;

  // Gives every empty slab (no slot in use) back to the upstream; returns the bytes given back.
  // Cost: a walk over the slabs that have a free slot. Slabs with a slot in use are kept, so
  // a single live slot pins its slab (compaction above the pool is the remedy).
  std::size_t release_empty_slabs();

  // A consistent snapshot of the counters (taken under the mutex when thread_safe). Cost: a
  // copy of eight integers; no walk over the slabs.
  PoolStats stats() const;

  // Debugging aid: walks every slab and checks the pool's invariants — each slab sits on the
  // list of its class (partial or full, as its state says) with consistent links, its bump
  // pointer and every free-list entry point at slot boundaries inside it, its free-list length
  // equals the slots carved minus the slots in use, and the counters (slabs, empty_slabs,
  // free_slots, reserved_bytes, used_bytes) equal the sums over the slabs. Throws
  // orchestrix::InvariantViolation naming the broken invariant and where. Takes the mutex when
  // thread_safe (call it between operations). Cost: O(slabs + free slots); no allocation unless it
  // throws. The pool never calls it itself.
  void check_invariants() const;

  // The options given at construction (never changes).
  const PoolOptions& options() const noexcept { return options_; }
  // The resource the slabs and large requests come from.
  std::pmr::memory_resource* upstream() const noexcept { return upstream_; }

 private:
  struct Slab;
  struct SlabList {
    Slab* partial = nullptr;  // slabs with at least one free slot (empty ones included)
    Slab* full = nullptr;     // slabs with every slot in use
  };
  static constexpr std::size_t kMaxClasses = 64;

  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  // REQUIRES (all five): the mutex is held, or options_.thread_safe is false. Not checked:
  // std::mutex cannot tell whether the calling thread holds it.
  void* allocate_unlocked(std::size_t bytes, std::size_t alignment);
  void deallocate_unlocked(void* p, std::size_t bytes, std::size_t alignment);
  std::size_t release_empty_unlocked() noexcept;
  Slab* new_slab(std::size_t class_index);  // takes a slab from the upstream for a class
  void check_invariants_unlocked() const;

  std::pmr::memory_resource* upstream_;
  PoolOptions options_;
  const detail::PoolSizeClasses* classes_;  // shared, immutable tables for options_.max_slot_bytes
  mutable std::mutex mutex_;
  std::array<SlabList, kMaxClasses> lists_{};
  PoolStats stats_;
};

}  // namespace orchestrix::alloc
