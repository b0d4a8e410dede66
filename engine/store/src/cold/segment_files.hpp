// Internal: the files of cold segments (docs/residency.md).
//
// With StoreOptions::directory and resident_bytes set, a sealed segment whose block no longer
// fits the resident budget is written to its own file and its block is dropped from memory
// (cold/evict.cpp); reads fill the SegmentCache from the file (codec/segment_cache.cpp).
//
// File name: "seg-<first position, 16 lower-case hex digits>.orx"; when a file of that name is
// still held by a retired segment (compaction can rewrite a segment that starts at the same
// position), "seg-<16 hex>-<n>.orx" with the smallest free n >= 1 (Segment::file_suffix).
//
// Byte format (little endian):
//    0  8  magic "ORXSEG\r\n"
//    8  4  format version (1)
//   12  4  flags: bit 0 set = the block is one zstd frame (a compressed segment), clear = raw
//   16  8  the segment's first position
//   24  4  `used`: the segment's record bytes (uncompressed)
//   28  4  the block's length in bytes (L)
//   32  4  the version of the dictionary the frame needs (0: none)
//   36  4  masked CRC32C of bytes 0..35
//   40  L  the block, exactly as it was in memory (the zstd frame, or the `used` raw bytes)
// 40+L  4  masked CRC32C of the block
//
// The files are a spill of what the store holds, not a source of truth: they are not synced,
// and opening a store removes every "seg-*" file left in its directory (remove_stale()).
// Written as "<name>.tmp" then renamed, so a file under its final name is always complete.
//
// Errors: write() and remove_stale() throw orchestrix::IoError; read() throws IoError (the
// failing call, the path, errno) or orchestrix::CorruptionError (a header that does not match
// the segment, a bad CRC, a short file); remove() never throws (it reports failure).
// Memory: paths and handles on the default heap (allowed for file names and handles); read()
// writes into the caller's buffer and allocates nothing else from a store resource.
// Thread safety: every member may be called from any thread (the FileSystem is thread-safe);
// the caller keeps one segment's write, read and remove apart (evict.cpp, segment_cache.cpp,
// StoreImpl::free_segment()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "log/segment.hpp"
#include "orchestrix/durable/file_system.hpp"

namespace orchestrix::detail {

constexpr std::size_t kSegmentFileHeaderBytes = 40;
constexpr std::size_t kSegmentFileTrailerBytes = 4;
constexpr std::uint32_t kSegmentFileVersion = 1;

// What the header says about a segment; read() checks the file against it.
struct SegmentFileFacts {
  std::uint64_t first_position = 0;
  std::uint32_t used = 0;
  std::uint32_t block_bytes = 0;
  std::uint32_t dictionary_version = 0;
  bool compressed = false;
};

// The bytes of segment s's block that count against StoreOptions::resident_bytes: a compressed
// segment's frame; with compression off, the raw block of a complete segment (not the open
// tail, every reserved byte published). 0 for everything else: cold segments, the open tail,
// and (compression on) raw segments still waiting for the compressor. REQUIRES: the log lock.
inline std::uint64_t resident_block_bytes(const Segment& s, bool open_tail,
                                          bool compression) noexcept {
  const SegmentState state = s.state.load(std::memory_order_relaxed);
  if (state == SegmentState::kCompressed) return s.packed_bytes;
  if (state != SegmentState::kRaw || open_tail || compression) return 0;
  const std::uint32_t used = s.used.load(std::memory_order_acquire);
  if (used == 0 || used != s.reserved) return 0;
  return s.raw->bytes;
}

class SegmentFiles {
 public:
  // directory: the store's (empty: no files; nothing may be called but remove_stale()).
  SegmentFiles(durable::FileSystem& fs, std::string directory);

  // The path of the file of a segment starting at first_position with `suffix`.
  std::string path(std::uint64_t first_position, std::uint32_t suffix) const;
  // The smallest suffix whose file does not exist (0 first). Throws IoError.
  std::uint32_t free_suffix(std::uint64_t first_position) const;
  // Writes the file (tmp + rename); returns its size. On IoError the partial tmp file is
  // removed (best effort) and nothing is left under the final name.
  std::uint64_t write(std::uint32_t suffix, const SegmentFileFacts& facts,
                      std::span<const std::byte> block) const;
  // Reads the block of the file into `out` (exactly facts.block_bytes bytes) after checking the
  // header against `facts` and both CRCs.
  void read(std::uint32_t suffix, const SegmentFileFacts& facts, std::span<std::byte> out) const;
  // Removes the file; false when that failed (the file is then left behind until the next
  // open of the store removes it).
  bool remove(std::uint64_t first_position, std::uint32_t suffix) const noexcept;
  // Removes every "seg-*" file (and "seg-*.tmp") in the directory. Throws IoError.
  void remove_stale() const;

 private:
  durable::FileSystem* fs_;
  std::string directory_;
};

}  // namespace orchestrix::detail
