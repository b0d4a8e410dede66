// orchestrix/alloc/arena_resource.hpp — a bump-pointer arena over blocks from an upstream.
//
// ArenaResource hands out memory by advancing a pointer through the current block; when a
// request does not fit, it takes a new block of ArenaOptions::block_bytes from its upstream (the
// unused tail of the old block becomes slack). Requests larger than a quarter of a block get a
// block of their own ("oversized"), so a big request never wastes most of a regular block.
//
// deallocate() is a no-op: memory comes back only all at once, by release() or destruction.
// That is the point — no per-object header, no free list, nothing to fragment — and the limit:
// an arena suits data that lives and dies together (a batch being built, a store that is
// rebuilt, a test), not long-lived data with churn (use PoolResource, or compaction on top).
//
// Memory cost: 32 bytes of header per block plus the alignment padding and the unused tail of
// every retired block; stats() reports them (slack_bytes). With 64-byte records and 1 MiB
// blocks the arena holds <= 1.10 x the bytes requested (tests/alloc/arena_test.cpp); measured
// per-call costs are in docs/allocators.md.
//
// Thread safety: with ArenaOptions::thread_safe (the default) every member may be called from
// any thread (one mutex; uncontended cost is in docs/allocators.md). With thread_safe = false
// the caller must serialize all calls, including stats().
//
// Ownership: owns its blocks; does not own the upstream, which must outlive it. Not copyable.
// Destruction releases every block (pointers handed out dangle afterwards).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <mutex>
#include <string>

#include "orchestrix/alloc/system_resource.hpp"

namespace orchestrix::alloc {

struct ArenaOptions {
  // Bytes taken from the upstream per regular block (header included). At least 4096.
  std::size_t block_bytes = 64 * 1024;
  // Guard every call with a mutex (see "Thread safety").
  bool thread_safe = true;
};

// X(name, description): the fields of ArenaStats (all uint64, bytes unless the name says count).
#define ORCHESTRIX_ARENA_STATS_FIELDS(X)                                                       \
  X(used_bytes, "bytes handed out by allocate since the last release (deallocate frees none)") \
  X(reserved_bytes, "bytes held from the upstream (regular and oversized blocks)")             \
  X(slack_bytes, "reserved_bytes - used_bytes: headers, padding, unused block tails")          \
  X(blocks, "regular blocks held")                                                             \
  X(oversized_blocks, "blocks holding a single oversized request")

// What an arena holds and how much of it is in use; see ORCHESTRIX_ARENA_STATS_FIELDS.
struct ArenaStats {
#define ORCHESTRIX_ARENA_STATS_DECLARE_(name, description) std::uint64_t name = 0;
  ORCHESTRIX_ARENA_STATS_FIELDS(ORCHESTRIX_ARENA_STATS_DECLARE_)
#undef ORCHESTRIX_ARENA_STATS_DECLARE_
};

// Calls f(name, value) for every field in ORCHESTRIX_ARENA_STATS_FIELDS order (name: a
// const char* with static storage duration; value: std::uint64_t). Drives the printers below
// and benchmark counters.
template <typename F>
void for_each_field(const ArenaStats& stats, F&& f) {
#define ORCHESTRIX_ARENA_STATS_VISIT_(name, description) f(#name, stats.name);
  ORCHESTRIX_ARENA_STATS_FIELDS(ORCHESTRIX_ARENA_STATS_VISIT_)
#undef ORCHESTRIX_ARENA_STATS_VISIT_
}

// One "name: value" line per field. Allocates.
std::string to_string(const ArenaStats& stats);
// A flat JSON object of every field. Allocates.
std::string to_json(const ArenaStats& stats);

class ArenaResource : public std::pmr::memory_resource {
 public:
  // REQUIRES: upstream outlives *this. Throws orchestrix::InvalidArgument when upstream is
  // nullptr or options.block_bytes < 4096.
  explicit ArenaResource(std::pmr::memory_resource* upstream = system_resource(),
                         ArenaOptions options = {});
  explicit ArenaResource(ArenaOptions options) : ArenaResource(system_resource(), options) {}
  ~ArenaResource() override;

  ArenaResource(const ArenaResource&) = delete;
  ArenaResource& operator=(const ArenaResource&) = delete;

  // Gives every block back to the upstream; the arena is then empty and reusable (the next
  // allocation takes a fresh block). Every pointer it handed out dangles. Resets stats().
  void release();

  // A consistent snapshot of the counters (taken under the mutex when thread_safe). Cost: a
  // copy of five integers; no walk over the blocks.
  ArenaStats stats() const;

  // Debugging aid: walks the blocks and checks the arena's invariants — every regular block is
  // block_bytes long, the bump pointer lies within the newest regular block, the block counts
  // and reserved_bytes equal what the lists hold, used_bytes <= reserved_bytes minus the block
  // headers. Throws orchestrix::InvariantViolation naming the broken invariant and where. Takes the
  // mutex when thread_safe (call it between operations). Cost: O(blocks); no allocation unless it
  // throws. The arena never calls it itself.
  void check_invariants() const;

  // The options given at construction (never changes).
  const ArenaOptions& options() const noexcept { return options_; }
  // The resource the blocks come from.
  std::pmr::memory_resource* upstream() const noexcept { return upstream_; }

 private:
  struct Block;

  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  // REQUIRES (all four): the mutex is held, or options_.thread_safe is false. Not checked:
  // std::mutex cannot tell whether the calling thread holds it.
  void* allocate_unlocked(std::size_t bytes, std::size_t alignment);
  void* allocate_oversized(std::size_t bytes, std::size_t alignment);
  void release_unlocked() noexcept;
  void check_invariants_unlocked() const;

  std::pmr::memory_resource* upstream_;
  ArenaOptions options_;
  mutable std::mutex mutex_;
  Block* blocks_ = nullptr;     // regular blocks, newest first
  Block* oversized_ = nullptr;  // oversized blocks, newest first
  char* cursor_ = nullptr;      // next free byte of the newest regular block
  char* limit_ = nullptr;       // end of the newest regular block
  ArenaStats stats_;
};

}  // namespace orchestrix::alloc
