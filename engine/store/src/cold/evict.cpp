// EventStore internals: dropping cold segments from memory (docs/residency.md).
//
// Who and when: at the end of every pass of compress_sealed_locked() (after an append sealed a
// segment, and after compact()), so under compact_mu_, which keeps the compressor, the shrinker
// and compaction from touching the blocks meanwhile; never under log_mu_ or a shard lock while
// writing a file.
//
// What: the sealed segments in their final form (compressed; or, compression off, raw and
// complete) that are not cold yet are resident; while their blocks add up to more than
// StoreOptions::resident_bytes, the oldest (lowest positions) is written to its file
// (cold/segment_files.hpp) and then, under log_mu_ and the cache's mutex, turned kCold: a
// packed block is freed at once (readers never read it: they read the cache block, which stays
// valid), a raw block is retired through the ReclaimDomain (ranges pinned before keep reading
// it) and `bytes` goes to nullptr, so the next read fills the cache from the file.
//
// Failure: a write that throws IoError leaves the segment resident (nothing changed), counts in
// cold_write_failures_ and ends the pass; the next pass (next seal or compact()) retries.
#include <mutex>
#include <span>

#include "orchestrix/errors.hpp"
#include "store_impl.hpp"

namespace orchestrix::detail {

void StoreImpl::evict_cold_locked() noexcept {
  const bool compress = options_.compression.enabled;
  for (;;) {
    Segment* victim = nullptr;
    {
      std::lock_guard log_lock(log_mu_);
      std::uint64_t resident = 0;
      for (Segment* s = head_.load(std::memory_order_relaxed); s != nullptr;
           s = s->next.load(std::memory_order_relaxed)) {
        const std::uint64_t b = resident_block_bytes(*s, s == tail_ && tail_open_, compress);
        if (b != 0 && victim == nullptr) victim = s;
        resident += b;
      }
      resident_sealed_bytes_.store(resident, std::memory_order_relaxed);
      if (resident <= options_.resident_bytes) return;
    }
    if (victim == nullptr) return;
    const bool packed = victim->state.load(std::memory_order_relaxed) == SegmentState::kCompressed;
    const std::uint32_t used = victim->used.load(std::memory_order_acquire);
    const SegmentFileFacts facts{victim->first_position, used, packed ? victim->packed_bytes : used,
                                 victim->dict != nullptr ? victim->dict->version : 0U, packed};
    const std::span<const std::byte> block(packed ? victim->packed : victim->data(),
                                           facts.block_bytes);
    std::uint64_t file_bytes = 0;
    std::uint32_t suffix = 0;
    try {
      suffix = cold_files_.free_suffix(victim->first_position);
      file_bytes = cold_files_.write(suffix, facts, block);
    } catch (...) {  // IoError, or std::bad_alloc for a path: the segment stays resident
      cold_write_failures_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    std::byte* freed_packed = nullptr;
    {
      std::lock_guard log_lock(log_mu_);
      BlockLink* raw = victim->raw;
      cache_.inspect([&] {
        victim->file_bytes = file_bytes;
        victim->file_suffix = suffix;
        if (packed) {
          freed_packed = victim->packed;
          victim->packed = nullptr;
        } else {
          victim->raw = nullptr;
          victim->block_bytes = sizeof(Segment);
          victim->packed_bytes = 0;
          victim->bytes.store(nullptr, std::memory_order_release);
        }
        victim->state.store(SegmentState::kCold, std::memory_order_release);
      });
      if (!packed) reclaim_.retire_block(raw);
      cold_segments_.fetch_add(1, std::memory_order_relaxed);
      cold_file_bytes_.fetch_add(file_bytes, std::memory_order_relaxed);
    }
    // The dictionary reference stays with the segment (its file's frame needs it).
    if (freed_packed != nullptr)
      compressor_.free(PackedBlock{freed_packed, facts.block_bytes, nullptr});
  }
}

}  // namespace orchestrix::detail
