#include "log/reclaim.hpp"

#include <new>
#include <utility>

namespace orchestrix::detail {

ReclaimDomain::ReclaimDomain(std::pmr::memory_resource* memory,
                             std::function<void(Segment*)> free_segment)
    : memory_(memory), free_segment_(std::move(free_segment)) {
  void* p = memory_->allocate(sizeof(PinGeneration), alignof(PinGeneration));
  oldest_ = current_ = new (p) PinGeneration{};
}

ReclaimDomain::~ReclaimDomain() {
  for (PinGeneration* g = oldest_; g != nullptr;) {
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

}  // namespace orchestrix::detail
