// Internal: zstd over the store's memory resource.
//
// ZstdMemory makes zstd allocate its contexts and workspaces from a memory_resource (the store's
// "codec" category) through ZSTD_customMem: each block carries a 16-byte prefix with its size,
// because a memory_resource needs the size to deallocate. A failed allocation is reported to
// zstd as nullptr (zstd then fails the call; nothing reaches malloc behind the resource's back).
//
// SegmentCompressor holds one compression context and a scratch buffer of compressBound(largest
// input) bytes (codec category), and compresses a segment's record bytes into an exactly sized
// block from the "compressed" category. SegmentDecompressor holds one decompression context.
// Neither is thread safe: the store uses the compressor under compact_mu_ and the decompressor
// under the read cache's mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace orchestrix::detail {

// A compressed segment's block: one zstd frame (content size recorded in it).
struct PackedBlock {
  std::byte* data = nullptr;
  std::uint32_t bytes = 0;
};

class SegmentCompressor {
 public:
  // codec: contexts and scratch; compressed: the output blocks. level: zstd level [1, 19].
  SegmentCompressor(std::pmr::memory_resource* codec, std::pmr::memory_resource* compressed,
                    int level) noexcept;
  ~SegmentCompressor();
  SegmentCompressor(const SegmentCompressor&) = delete;
  SegmentCompressor& operator=(const SegmentCompressor&) = delete;

  // Compresses `n` bytes into a block of exactly the frame's size. Returns an empty block when
  // an allocation fails (context, scratch or the block itself): compression is best effort.
  PackedBlock compress(const std::byte* src, std::size_t n) noexcept;
  // Returns a block from compress() to the resource.
  void free(PackedBlock block) noexcept;

 private:
  std::pmr::memory_resource* codec_;
  std::pmr::memory_resource* compressed_;
  int level_;
  ZSTD_CCtx_s* cctx_ = nullptr;
  std::byte* scratch_ = nullptr;
  std::size_t scratch_bytes_ = 0;
};

class SegmentDecompressor {
 public:
  explicit SegmentDecompressor(std::pmr::memory_resource* codec) noexcept : codec_(codec) {}
  ~SegmentDecompressor();
  SegmentDecompressor(const SegmentDecompressor&) = delete;
  SegmentDecompressor& operator=(const SegmentDecompressor&) = delete;

  // Decompresses `block` into exactly `n` bytes at dst. Throws std::bad_alloc when the context
  // cannot be allocated; a frame that does not decompress to n bytes is a broken store
  // (reported on stderr, then std::abort: the store never wrote such a frame).
  void decompress(PackedBlock block, std::byte* dst, std::size_t n);

 private:
  std::pmr::memory_resource* codec_;
  ZSTD_DCtx_s* dctx_ = nullptr;
};

// For the invariant walk: the size a frame says it decompresses to (0 when unknown), and a
// decompression that allocates from the global heap (true when it yields exactly n bytes).
std::uint64_t packed_content_size(PackedBlock block) noexcept;
bool decompress_for_check(PackedBlock block, std::byte* dst, std::size_t n) noexcept;

}  // namespace orchestrix::detail
