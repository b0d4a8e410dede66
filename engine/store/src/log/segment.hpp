// Internal: a log segment — a header and the block of runs it describes.
//
//   header (its own allocation; Locators and run cursors point at it, it never moves)
//   raw block:   [BlockLink | run | run | ... | unused tail]      while open or sealed
//   packed block: one zstd frame of the raw block's `used` bytes  once compressed
//   cache block: [BlockLink | the `used` bytes decompressed]      while a compressed segment is
//                                                                 in the read cache
//   run = run header + 1..64 records of ONE stream with consecutive versions and positions
//
// Offsets (Locator::offset, `used`, `reserved`) are offsets into the *uncompressed* record
// bytes, whichever block holds them. Readers reach those bytes through `bytes` (acquire): the
// raw block, or the cache block of a compressed segment, or nullptr (compressed, not cached:
// the read decompresses it into the cache, codec/segment_cache.hpp). A reader loads it when it
// enters a segment, never per event, and holds a ReadPin while it reads: a raw block replaced
// by its packed form and a cache block evicted are retired through the ReclaimDomain like
// segments, so bytes a pinned range points into stay valid.
//
// Segments form a singly linked list in global position order (the log). Appends reserve space
// at the tail under the log lock (`reserved`), fill it without the lock, and publish `used` in
// position order with release ordering after the bytes are written; readers load it with
// acquire and never look past it. Sealed segments never change their records. Compaction
// replaces a group of adjacent sparse segments by one fresh segment holding copies of their
// live runs and *retires* the old ones, which stay intact (contents and `next`) until no reader
// pinned before the retirement is left.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace orchestrix::detail {

struct Dictionary;  // codec/dictionary.hpp

// The prefix of raw and cache blocks: lets a retired block sit on a ReclaimDomain list (the
// link lives in the prefix, so the bytes after it stay readable until the block is freed).
struct BlockLink {
  enum class Kind : std::uint8_t { kRaw, kCache };
  BlockLink* retired_next = nullptr;
  std::uint32_t bytes = 0;  // the whole allocation, prefix included
  Kind kind = Kind::kRaw;
  std::byte* payload() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
};
static_assert(sizeof(BlockLink) == 16);

// Compression state of a segment. kRaw: records in the raw block (open, or sealed and not
// compressed yet, or compression failed and will be retried). kCompressed: records in the
// packed block only. kCold: the block (raw or packed) is in the segment's file only
// (cold/segment_files.hpp); reads fill the cache from the file. The state changes under the
// log lock and compact_mu_ (compress_sealed.cpp; to kCold also under the cache's mutex,
// cold/evict.cpp).
enum class SegmentState : std::uint8_t { kRaw, kCompressed, kCold };

struct Segment {
  std::atomic<Segment*> next{nullptr};
  Segment* retired_next = nullptr;   // link in a ReclaimDomain retire list
  std::uint64_t first_position = 0;  // position of the first record in this segment
  // Bytes of this segment in the "segment" category: header + raw block (kSegmentHeaderBytes +
  // capacity) while raw; the header alone once compressed.
  std::uint32_t block_bytes = 0;
  std::uint32_t capacity = 0;          // bytes available for runs in the raw block
  std::atomic<std::uint32_t> used{0};  // bytes of runs written and published
  std::uint32_t reserved = 0;          // bytes handed to appends (>= used); guarded by the log lock
  std::atomic<std::uint64_t> dead_bytes{0};  // bytes of runs/records below retained ranges

  // The readable record bytes (see above). Written by the compressor and the cache.
  std::atomic<const std::byte*> bytes{nullptr};
  BlockLink* raw = nullptr;        // the raw block while kRaw (writers fill it)
  std::byte* packed = nullptr;     // the zstd frame once kCompressed ("compressed")
  std::uint32_t packed_bytes = 0;  // its exact size
  // The dictionary the frame needs (one reference held, released when the segment is freed;
  // its version is also the frame's dictID), or nullptr. Set with `packed`.
  Dictionary* dict = nullptr;
  std::atomic<SegmentState> state{SegmentState::kRaw};
  // Residency (cold/evict.cpp): the size of the segment's file (0: it has none) and the
  // suffix of its name; set when the segment turns kCold. A cold segment keeps packed_bytes
  // (0 when its file holds the raw bytes) and `dict`.
  std::uint64_t file_bytes = 0;
  std::uint32_t file_suffix = 0;
  // Read cache (guarded by the cache's mutex): the cache block and the FIFO links.
  BlockLink* cache_block = nullptr;
  Segment* cache_prev = nullptr;
  Segment* cache_next = nullptr;

  // The raw block's record bytes: for the writer of an open segment and for code that holds
  // compact_mu_ on a kRaw segment. Readers use `bytes`.
  std::byte* data() noexcept { return raw->payload(); }
  const std::byte* data() const noexcept { return raw->payload(); }
};

constexpr std::size_t kSegmentAlign = alignof(std::max_align_t);
// Bytes a raw segment takes from the resource beyond its capacity: the header and the raw
// block's prefix.
constexpr std::size_t kSegmentHeaderBytes = sizeof(Segment) + sizeof(BlockLink);

}  // namespace orchestrix::detail
