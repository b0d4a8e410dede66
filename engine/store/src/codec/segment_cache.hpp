// Internal: the read cache of decompressed segments.
//
// A read that enters a compressed segment whose `bytes` is nullptr calls fill(): under the
// cache's mutex it decompresses the packed block into a cache block (category "cache", prefix
// BlockLink) and publishes it in Segment::bytes (release), so later reads of that segment cost
// one acquire load on entry. Concurrent misses on one segment decompress once: the second finds
// the block under the mutex.
//
// The bound (CompressionOptions::cache_bytes) is kept by evicting in FIFO order (the oldest
// fill first; a cheap approximation of LRU: hits never touch the bookkeeping) before a fill:
// the evicted segment's `bytes` goes back to nullptr and its block is retired through the
// ReclaimDomain after the mutex is released, so a range pinned before the eviction keeps
// reading it. The segment being filled is never evicted, so one block larger than the bound is
// still cached alone. cached_bytes() counts the blocks in the cache; evicted blocks still pinned
// count in the "cache" category until they are freed.
//
// Cold segments (kCold, cold/evict.cpp) fill the same way from their file: the stored block is
// read (pread, durable::File::read_full) into the cache block when it is raw, or into a scratch
// buffer (category "codec", freed before fill() returns) and decompressed when it is a zstd
// frame. The read happens under the cache's mutex: concurrent misses wait for it; reads of
// resident or cached segments never take the mutex. The bound covers cold raw segments' cache
// blocks exactly as it covers decompressed ones.
//
// Thread safety: all members are safe to call concurrently. Lock order: the cache's mutex is a
// leaf (taken after every store lock; fill() allocates under it but takes no other lock).
#pragma once

#include <cstdint>
#include <functional>
#include <memory_resource>
#include <mutex>

#include "codec/zstd_codec.hpp"
#include "cold/segment_files.hpp"
#include "log/reclaim.hpp"
#include "log/segment.hpp"

namespace orchestrix::detail {

class SegmentCache {
 public:
  SegmentCache(std::pmr::memory_resource* cache_memory, std::pmr::memory_resource* codec_memory,
               std::size_t bound, ReclaimDomain& reclaim, const SegmentFiles& files) noexcept;
  ~SegmentCache();  // REQUIRES: no segment cached (the store frees its segments first; DCHECKed)
  SegmentCache(const SegmentCache&) = delete;
  SegmentCache& operator=(const SegmentCache&) = delete;

  // The record bytes of compressed or cold segment `s` (REQUIRES: not kRaw; the caller holds a
  // ReadPin taken before it loaded `s`). Throws std::bad_alloc (the block or the decompression
  // context), and for a cold segment orchestrix::IoError or orchestrix::CorruptionError
  // (segment_files.hpp), with nothing changed but evictions.
  const std::byte* fill(const Segment* s);
  // Drops s's cache block at once (for a segment being freed: no reader can reach it).
  void forget(Segment* s) noexcept;
  // Frees a cache block retired earlier (the ReclaimDomain's free_block for kCache blocks).
  void free_block(BlockLink* b) noexcept;

  std::uint64_t cached_bytes() const noexcept;
  // Runs f() under the cache's mutex (the invariant walk reads cache fields with it).
  void inspect(const std::function<void()>& f) const;
  std::uint64_t misses() const noexcept;

  // Debugging aid: calls f(segment) for every cached segment, in FIFO order, under the mutex,
  // and checks that the blocks add up to cached_bytes() (throws InvariantViolation).
  void check_invariants(const std::function<void(const Segment*)>& f) const;

 private:
  void unlink_locked(Segment* s) noexcept;

  // Reads the stored block of cold segment s and leaves its `n` record bytes at out.
  void load_cold_locked(const Segment& s, std::byte* out, std::size_t n);

  std::pmr::memory_resource* memory_;
  std::pmr::memory_resource* codec_memory_;
  const SegmentFiles* files_;
  std::size_t bound_;
  ReclaimDomain& reclaim_;
  mutable std::mutex mu_;
  SegmentDecompressor decompressor_;
  Segment* oldest_ = nullptr;
  Segment* newest_ = nullptr;
  std::uint64_t cached_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace orchestrix::detail
