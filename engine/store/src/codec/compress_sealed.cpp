// EventStore internals: compressing sealed segments (docs/compression.md).
//
// Who: the appending thread whose batch sealed a segment, at the end of append(), outside
// every lock but compact_mu_, which it only try-locks (a compaction or another compressor at
// work: this append goes on, the next seal or compact() does the work); and compact() for the
// segments it writes and any left raw. Holding compact_mu_ keeps compaction from retiring a
// segment while it is compressed, and makes compressor_ single-threaded.
//
// When: a segment is complete once it is no longer the open tail and every append that
// reserved bytes in it has published them (`used` == `reserved`, read under log_mu_).
//
// Without compression, the same walk gives a complete segment whose unused tail is at least
// kShrinkSlack (a large record that did not fit started the next segment) an exactly sized raw
// block instead: copy, swap under log_mu_, retire the old block (shrink_segment()).
//
// How: compress the `used` bytes (no lock but compact_mu_: the records of a complete segment
// never change), then under log_mu_ swap the blocks: the packed block in, the raw block out,
// `bytes` to nullptr (release; readers now fill the cache from the packed block), and retire
// the raw block through the ReclaimDomain, so ranges pinned before still read it.
#include <cstring>
#include <mutex>
#include <new>

#include "store_impl.hpp"

namespace orchestrix::detail {
namespace {

// Unused tail from which a sealed raw segment is copied into an exact block (compression off).
constexpr std::uint32_t kShrinkSlack = 4096;

}  // namespace

void StoreImpl::maybe_compress_sealed() noexcept {
  std::unique_lock compact_lock(compact_mu_, std::try_to_lock);
  if (!compact_lock.owns_lock()) return;
  seal_pending_.store(false, std::memory_order_relaxed);
  compress_sealed_locked();
}

void StoreImpl::compress_sealed_locked() noexcept {
  const bool compress = options_.compression.enabled;
  for (;;) {
    Segment* candidate = nullptr;
    {
      std::lock_guard log_lock(log_mu_);
      Segment* s =
          compress_from_ != nullptr ? compress_from_ : head_.load(std::memory_order_relaxed);
      for (; s != nullptr; s = s->next.load(std::memory_order_relaxed)) {
        if (s->state.load(std::memory_order_relaxed) != SegmentState::kRaw) continue;
        const bool open = s == tail_ && tail_open_;
        const std::uint32_t used = s->used.load(std::memory_order_acquire);
        if (open || used != s->reserved) break;
        if (used == 0 || (!compress && s->capacity - used < kShrinkSlack)) continue;
        candidate = s;
        break;
      }
      compress_from_ = s;
    }
    if (candidate == nullptr) break;
    const bool done = compress ? compress_segment(candidate) : shrink_segment(candidate);
    if (!done) break;  // retried at the next seal or compact()
  }
  if (options_.resident_bytes != 0) evict_cold_locked();  // cold/evict.cpp
}

bool StoreImpl::shrink_segment(Segment* s) noexcept {
  const std::uint32_t used = s->used.load(std::memory_order_acquire);
  const std::size_t bytes = sizeof(BlockLink) + used;
  void* p = nullptr;
  try {
    p = segment_memory_.allocate(bytes, kSegmentAlign);
  } catch (...) {
    return false;  // best effort, like compression
  }
  auto* exact = new (p) BlockLink{};
  exact->bytes = static_cast<std::uint32_t>(bytes);
  exact->kind = BlockLink::Kind::kRaw;
  std::memcpy(exact->payload(), s->data(), used);
  std::lock_guard log_lock(log_mu_);
  BlockLink* old = s->raw;
  s->raw = exact;
  s->capacity = used;
  s->block_bytes = static_cast<std::uint32_t>(kSegmentHeaderBytes + used);
  s->bytes.store(exact->payload(), std::memory_order_release);
  reclaim_.retire_block(old);
  return true;
}

bool StoreImpl::compress_segment(Segment* s) noexcept {
  const std::uint32_t used = s->used.load(std::memory_order_acquire);
  const PackedBlock packed = compressor_.compress(s->data(), used);
  if (packed.data == nullptr) return false;
  std::lock_guard log_lock(log_mu_);
  BlockLink* raw = s->raw;
  s->packed = packed.data;
  s->packed_bytes = packed.bytes;
  s->dict = packed.dict;
  s->raw = nullptr;
  s->block_bytes = sizeof(Segment);
  s->state.store(SegmentState::kCompressed, std::memory_order_release);
  s->bytes.store(nullptr, std::memory_order_release);
  reclaim_.retire_block(raw);
  return true;
}

}  // namespace orchestrix::detail
