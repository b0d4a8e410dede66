#include "log/reclaim.hpp"

#include <new>
#include <unordered_set>
#include <utility>

#include "orchestrix/detail/check.hpp"
#include "orchestrix/detail/invariant.hpp"

namespace orchestrix::detail {

ReclaimDomain::ReclaimDomain(std::pmr::memory_resource* memory,
                             std::function<void(Segment*)> free_segment,
                             std::function<void(BlockLink*)> free_block)
    : memory_(memory), free_segment_(std::move(free_segment)), free_block_(std::move(free_block)) {
  void* p = memory_->allocate(sizeof(PinGeneration), alignof(PinGeneration));
  oldest_ = current_ = new (p) PinGeneration{};
}

ReclaimDomain::~ReclaimDomain() {
  for (PinGeneration* g = oldest_; g != nullptr;) {
    ORCHESTRIX_DCHECK_MSG(g->pins == 0, "a read pin outlives its store");
    PinGeneration* newer = g->newer;
    free_generation_locked(g);
    g = newer;
  }
}

void ReclaimDomain::free_generation_locked(PinGeneration* g) noexcept {
  for (Segment* s = g->retired; s != nullptr;) {
    Segment* next = s->retired_next;
    retired_bytes_ -= s->block_bytes;
    free_segment_(s);
    s = next;
  }
  for (BlockLink* b = g->retired_blocks; b != nullptr;) {
    BlockLink* next = b->retired_next;
    if (b->kind == BlockLink::Kind::kRaw) retired_bytes_ -= b->bytes;
    free_block_(b);
    b = next;
  }
  g->~PinGeneration();
  memory_->deallocate(g, sizeof(PinGeneration), alignof(PinGeneration));
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

void ReclaimDomain::retire_block(BlockLink* block) noexcept {
  // The record is allocated under the lock, so that check_invariants() (under it) never sees a
  // record that is allocated but not yet in the chain.
  std::lock_guard lock(mu_);
  PinGeneration* next = nullptr;
  try {
    next = allocate_generation();
  } catch (...) {
    next = nullptr;  // the block waits in the current generation
  }
  if (block->kind == BlockLink::Kind::kRaw) retired_bytes_ += block->bytes;
  block->retired_next = current_->retired_blocks;
  current_->retired_blocks = block;
  if (next != nullptr) {
    current_->newer = next;
    current_ = next;
  }
  reclaim_locked();
}

void ReclaimDomain::reclaim_locked() noexcept {
  while (oldest_ != current_ && oldest_->pins == 0) {
    PinGeneration* g = oldest_;
    oldest_ = g->newer;
    free_generation_locked(g);
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
  std::vector<const BlockLink*> retired_blocks;
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
    for (const BlockLink* b = g->retired_blocks; b != nullptr; b = b->retired_next) {
      if (!seen.insert(b).second) {
        invariant_violated(kWhat, "a block is twice on the retire lists (generation ", generations,
                           ")");
      }
      if (b->kind == BlockLink::Kind::kRaw) bytes += b->bytes;
      retired_blocks.push_back(b);
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
  at_rest(retired, retired_blocks, generations);
}

}  // namespace orchestrix::detail
