#include "log/reclaim.hpp"

#include <new>
#include <unordered_set>
#include <utility>

#include "orchestrix/detail/check.hpp"
#include "orchestrix/detail/invariant.hpp"

namespace orchestrix::detail {

ReclaimDomain::ReclaimDomain(std::pmr::memory_resource* memory,
                             std::function<void(Segment*)> free_segment)
    : memory_(memory), free_segment_(std::move(free_segment)) {
  void* p = memory_->allocate(sizeof(PinGeneration), alignof(PinGeneration));
  oldest_ = current_ = new (p) PinGeneration{};
}

ReclaimDomain::~ReclaimDomain() {
  for (PinGeneration* g = oldest_; g != nullptr;) {
    ORCHESTRIX_DCHECK_MSG(g->pins == 0, "a read pin outlives its store");
    for (Segment* s = g->retired; s != nullptr;) {
      Segment* next = s->retired_next;
      free_segment_(s);
      s = next;
    }
    PinGeneration* newer = g->newer;
    g->~PinGeneration();
    memory_->deallocate(g, sizeof(PinGeneration), alignof(PinGeneration));
    g = newer;
  }
}

PinGeneration* ReclaimDomain::pin() noexcept {
  std::lock_guard lock(mu_);
  ++current_->pins;
  return current_;
}

void ReclaimDomain::unpin(PinGeneration* generation) noexcept {
  std::lock_guard lock(mu_);
  ORCHESTRIX_DCHECK_MSG(generation->pins > 0, "unpin of a generation that has no pins");
  --generation->pins;
  reclaim_locked();
}

PinGeneration* ReclaimDomain::allocate_generation() {
  void* p = memory_->allocate(sizeof(PinGeneration), alignof(PinGeneration));
  return new (p) PinGeneration{};
}

void ReclaimDomain::release_generation(PinGeneration* unused) noexcept {
  unused->~PinGeneration();
  memory_->deallocate(unused, sizeof(PinGeneration), alignof(PinGeneration));
}

void ReclaimDomain::retire(Segment* segments) { retire(segments, allocate_generation()); }

void ReclaimDomain::retire(Segment* segments, PinGeneration* next) noexcept {
  std::lock_guard lock(mu_);
  Segment* last = segments;
  while (last != nullptr) {
    retired_bytes_ += last->block_bytes;
    if (last->retired_next == nullptr) break;
    last = last->retired_next;
  }
  if (last != nullptr) {
    last->retired_next = current_->retired;
    current_->retired = segments;
  }
  current_->newer = next;
  current_ = next;
  reclaim_locked();
}

void ReclaimDomain::reclaim_locked() noexcept {
  while (oldest_ != current_ && oldest_->pins == 0) {
    PinGeneration* g = oldest_;
    for (Segment* s = g->retired; s != nullptr;) {
      Segment* next = s->retired_next;
      retired_bytes_ -= s->block_bytes;
      free_segment_(s);
      s = next;
    }
    oldest_ = g->newer;
    g->~PinGeneration();
    memory_->deallocate(g, sizeof(PinGeneration), alignof(PinGeneration));
  }
}

std::uint64_t ReclaimDomain::retired_bytes() const noexcept {
  std::lock_guard lock(mu_);
  return retired_bytes_;
}

void ReclaimDomain::check_invariants(const AtRest& at_rest) const {
  constexpr std::string_view kWhat = "ReclaimDomain";
  std::lock_guard lock(mu_);
  std::vector<const Segment*> retired;
  std::unordered_set<const void*> seen;  // catches cycles in either kind of list
  std::uint64_t bytes = 0;
  std::size_t generations = 0;
  for (const PinGeneration* g = oldest_;; g = g->newer) {
    if (g == nullptr) invariant_violated(kWhat, "the generation chain ends before the current one");
    if (!seen.insert(g).second) invariant_violated(kWhat, "the generation chain has a cycle");
    ++generations;
    for (const Segment* s = g->retired; s != nullptr; s = s->retired_next) {
      if (!seen.insert(s).second) {
        invariant_violated(kWhat, "a segment is twice on the retire lists (generation ",
                           generations, ")");
      }
      retired.push_back(s);
      bytes += s->block_bytes;
    }
    if (g == current_) break;
  }
  if (current_->newer != nullptr || current_->retired != nullptr) {
    invariant_violated(kWhat, "the current generation has a newer one or retired segments");
  }
  if (oldest_ != current_ && oldest_->pins == 0) {
    invariant_violated(kWhat, "the oldest generation has no pins but was not reclaimed");
  }
  if (bytes != retired_bytes_) {
    invariant_violated(kWhat, "retired_bytes is ", retired_bytes_, " but the retire lists hold ",
                       bytes);
  }
  at_rest(retired, generations);
}

}  // namespace orchestrix::detail
