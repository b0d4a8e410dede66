// Internal: deferred freeing of retired segments and blocks (the view-lifetime guarantee).
//
// Readers pin the current *generation* (ReadPin); compaction retires segments into the current
// generation and opens a new one. A generation's segments are freed once it and every older
// generation have no pins left. So a segment is freed only after every range that could have
// seen it is gone, and new readers never see it (it was unlinked before retirement).
//
// Blocks (segment.hpp's BlockLink: a raw block replaced by its compressed form, a cache block
// evicted) are retired the same way, one at a time: into the current generation, which is then
// closed when a new generation record can be allocated (else the block waits for the next
// retirement that closes it).
//
// Cost: pin/unpin lock one mutex (a read call, not per event). Generation records come from
// the store's resource ("store" category); retired segments and blocks keep their own category.
// Thread safety: all members are safe to call concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory_resource>
#include <mutex>
#include <vector>

#include "log/segment.hpp"

namespace orchestrix::detail {

struct PinGeneration {
  std::uint64_t pins = 0;
  Segment* retired = nullptr;           // linked through Segment::retired_next
  BlockLink* retired_blocks = nullptr;  // linked through BlockLink::retired_next
  PinGeneration* newer = nullptr;
};

class ReclaimDomain {
 public:
  // free_segment(seg) returns a retired segment to the resource, free_block(block) a retired
  // block (REQUIRES: given when retire_block() is used).
  ReclaimDomain(std::pmr::memory_resource* memory, std::function<void(Segment*)> free_segment,
                std::function<void(BlockLink*)> free_block = {});
  ~ReclaimDomain();  // REQUIRES: no pins left (DCHECKed); frees whatever is still retired
  ReclaimDomain(const ReclaimDomain&) = delete;
  ReclaimDomain& operator=(const ReclaimDomain&) = delete;

  PinGeneration* pin() noexcept;
  void unpin(PinGeneration* generation) noexcept;

  // Hands `segments` (a retired_next-linked list, already unlinked from the log) over for
  // freeing once the readers that may see them are gone. Allocates the next generation record
  // first: throws std::bad_alloc with nothing changed.
  void retire(Segment* segments);
  // The same in two steps, for callers that must not fail after unlinking: allocate the
  // generation record first (may throw), then retire without failing. An unused record goes
  // back with release_generation().
  PinGeneration* allocate_generation();
  void retire(Segment* segments, PinGeneration* next) noexcept;
  void release_generation(PinGeneration* unused) noexcept;

  // Hands one block over for freeing once the readers pinned before are gone. Never fails:
  // when no generation record can be allocated, the block joins the current generation and is
  // freed after a later retirement closes it.
  void retire_block(BlockLink* block) noexcept;

  // Bytes in the "segment" category retired but not yet freed: Segment::block_bytes of retired
  // segments plus retired raw blocks.
  std::uint64_t retired_bytes() const noexcept;

  // Debugging aid (StoreImpl::check_invariants()). Under the domain's lock: checks the
  // generation chain (oldest_ reaches current_ through `newer`; current_ is last and has
  // nothing retired; oldest_ is pinned unless it is current_) and that retired_bytes() is the
  // block bytes of the segments and raw blocks on the retire lists; then calls at_rest(retired
  // segments, retired blocks, generation records held), still under the lock, so nothing is freed
  // while it runs. Only the current generation may hold retired blocks without a newer one (a block
  // retired while no record could be allocated). Throws orchestrix::InvariantViolation
  // ("ReclaimDomain: invariant violated: ..."). Allocates from the global heap.
  using AtRest = std::function<void(const std::vector<const Segment*>& retired,
                                    const std::vector<const BlockLink*>& retired_blocks,
                                    std::size_t generations)>;
  void check_invariants(const AtRest& at_rest) const;

 private:
  void reclaim_locked() noexcept;
  void free_generation_locked(PinGeneration* g) noexcept;  // its retired items and the record

  std::pmr::memory_resource* memory_;
  std::function<void(Segment*)> free_segment_;
  std::function<void(BlockLink*)> free_block_;
  mutable std::mutex mu_;
  PinGeneration* oldest_ = nullptr;
  PinGeneration* current_ = nullptr;
  std::uint64_t retired_bytes_ = 0;
};

}  // namespace orchestrix::detail
