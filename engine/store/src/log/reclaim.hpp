// Internal: deferred freeing of retired segments (the view-lifetime guarantee).
//
// Readers pin the current *generation* (ReadPin); compaction retires segments into the current
// generation and opens a new one. A generation's segments are freed once it and every older
// generation have no pins left. So a segment is freed only after every range that could have
// seen it is gone, and new readers never see it (it was unlinked before retirement).
//
// Cost: pin/unpin lock one mutex (a read call, not per event). Generation records come from
// the store's resource ("store" category); retired segments keep their own category.
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
  Segment* retired = nullptr;  // linked through Segment::retired_next
  PinGeneration* newer = nullptr;
};

class ReclaimDomain {
 public:
  // free_segment(seg) returns a retired segment to the resource.
  ReclaimDomain(std::pmr::memory_resource* memory, std::function<void(Segment*)> free_segment);
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

  // Bytes of segments retired but not yet freed.
  std::uint64_t retired_bytes() const noexcept;

  // Debugging aid (StoreImpl::check_invariants()). Under the domain's lock: checks the
  // generation chain (oldest_ reaches current_ through `newer`; current_ is last and has
  // nothing retired; oldest_ is pinned unless it is current_) and that retired_bytes() is the
  // block bytes of the segments on the retire lists; then calls at_rest(retired segments,
  // generation records held), still under the lock, so nothing is freed while it runs.
  // Throws orchestrix::InvariantViolation ("ReclaimDomain: invariant violated: ..."). Allocates
  // from the global heap.
  using AtRest =
      std::function<void(const std::vector<const Segment*>& retired, std::size_t generations)>;
  void check_invariants(const AtRest& at_rest) const;

 private:
  void reclaim_locked() noexcept;

  std::pmr::memory_resource* memory_;
  std::function<void(Segment*)> free_segment_;
  mutable std::mutex mu_;
  PinGeneration* oldest_ = nullptr;
  PinGeneration* current_ = nullptr;
  std::uint64_t retired_bytes_ = 0;
};

}  // namespace orchestrix::detail
