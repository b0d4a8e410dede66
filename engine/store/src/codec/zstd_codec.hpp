// Internal: zstd over the store's memory resource.
//
// ZstdMemory makes zstd allocate its contexts and workspaces from a memory_resource (the store's
// "codec" category) through ZSTD_customMem: each block carries a 16-byte prefix with its size,
// because a memory_resource needs the size to deallocate. A failed allocation is reported to
// zstd as nullptr (zstd then fails the call; nothing reaches malloc behind the resource's back).
//
// SegmentCompressor holds one compression context and a scratch buffer of compressBound(largest
// input) bytes (codec category), and compresses a segment's record bytes into an exactly sized
// block from the "compressed" category, with the DictionaryBook's current dictionary where it
// decides so (codec/dictionary.hpp). SegmentDecompressor holds one decompression context.
// Neither is thread safe: the store uses the compressor under compact_mu_ and the decompressor
// under the read cache's mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace orchestrix::detail {

struct Dictionary;
class DictionaryBook;

// A compressed segment's block: one zstd frame (content size and, with a dictionary, its
// version as dictID recorded in it), and the dictionary it needs (one reference held), or
// nullptr.
struct PackedBlock {
  std::byte* data = nullptr;
  std::uint32_t bytes = 0;
  Dictionary* dict = nullptr;
};

class SegmentCompressor {
 public:
  // codec: contexts and scratch; compressed: the output blocks. level: zstd level [-7, 19].
  // dictionaries: where the dictionary comes from (nullptr: none).
  SegmentCompressor(std::pmr::memory_resource* codec, std::pmr::memory_resource* compressed,
                    int level, DictionaryBook* dictionaries) noexcept;
  ~SegmentCompressor();
  SegmentCompressor(const SegmentCompressor&) = delete;
  SegmentCompressor& operator=(const SegmentCompressor&) = delete;

  // Compresses `n` bytes into a block of exactly the frame's size, with or without the current
  // dictionary (the block then holds a reference to it), and reports the sizes to the book
  // (which samples, trains and retires dictionaries). Returns an empty block when an
  // allocation fails (context, scratch or the block itself): compression is best effort.
  PackedBlock compress(const std::byte* src, std::size_t n) noexcept;
  // Returns a block from compress() to the resource and releases its dictionary reference.
  void free(PackedBlock block) noexcept;

 private:
  std::pmr::memory_resource* codec_;
  std::pmr::memory_resource* compressed_;
  // One frame into scratch_ (with `dict` when not nullptr); its size, 0 on failure.
  std::size_t run(const std::byte* src, std::size_t n, Dictionary* dict) noexcept;

  int level_;
  DictionaryBook* dictionaries_;
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

// For the invariant walk: the size a frame says it decompresses to (0 when unknown), the
// dictionary version it records (0: none), and a decompression that allocates from the global
// heap (true when it yields exactly n bytes).
std::uint64_t packed_content_size(PackedBlock block) noexcept;
std::uint32_t packed_dictionary_id(PackedBlock block) noexcept;
bool decompress_for_check(PackedBlock block, std::byte* dst, std::size_t n) noexcept;

}  // namespace orchestrix::detail
