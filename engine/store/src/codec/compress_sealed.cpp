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
// How: compress the `used` bytes (no lock but compact_mu_: the records of a complete segment
// never change), then under log_mu_ swap the blocks: the packed block in, the raw block out,
// `bytes` to nullptr (release; readers now fill the cache from the packed block), and retire
// the raw block through the ReclaimDomain, so ranges pinned before still read it.
#include <mutex>

#include "store_impl.hpp"

namespace orchestrix::detail {

void StoreImpl::maybe_compress_sealed() noexcept {
  std::unique_lock compact_lock(compact_mu_, std::try_to_lock);
  if (!compact_lock.owns_lock()) return;
  seal_pending_.store(false, std::memory_order_relaxed);
  compress_sealed_locked();
}

void StoreImpl::compress_sealed_locked() noexcept {
  if (!options_.compression.enabled) return;
  for (;;) {
    Segment* candidate = nullptr;
    {
      std::lock_guard log_lock(log_mu_);
      Segment* s =
          compress_from_ != nullptr ? compress_from_ : head_.load(std::memory_order_relaxed);
      for (; s != nullptr; s = s->next.load(std::memory_order_relaxed)) {
        if (s->state.load(std::memory_order_relaxed) == SegmentState::kCompressed) continue;
        const bool open = s == tail_ && tail_open_;
        const std::uint32_t used = s->used.load(std::memory_order_acquire);
        if (open || used != s->reserved) break;
        if (used == 0) continue;
        candidate = s;
        break;
      }
      compress_from_ = s;
    }
    if (candidate == nullptr) return;
    if (!compress_segment(candidate)) return;  // retried at the next seal or compact()
  }
}

bool StoreImpl::compress_segment(Segment* s) noexcept {
  const std::uint32_t used = s->used.load(std::memory_order_acquire);
  const PackedBlock packed = compressor_.compress(s->data(), used);
  if (packed.data == nullptr) return false;
  std::lock_guard log_lock(log_mu_);
  BlockLink* raw = s->raw;
  s->packed = packed.data;
  s->packed_bytes = packed.bytes;
  s->raw = nullptr;
  s->block_bytes = sizeof(Segment);
  s->state.store(SegmentState::kCompressed, std::memory_order_release);
  s->bytes.store(nullptr, std::memory_order_release);
  reclaim_.retire_block(raw);
  return true;
}

}  // namespace orchestrix::detail
