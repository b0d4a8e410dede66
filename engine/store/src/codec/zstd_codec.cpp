#include "codec/zstd_codec.hpp"

// ZSTD_customMem and the *_advanced constructors are in zstd's stable-but-static section;
// Debian's libzstd exports them.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "codec/dictionary.hpp"
#include "codec/zstd_memory.hpp"

namespace orchestrix::detail {
namespace {

constexpr std::size_t kPrefix = 16;  // holds the block's size; keeps 16-byte alignment
constexpr std::size_t kAlign = 16;

void* custom_alloc(void* opaque, std::size_t size) {
  auto* memory = static_cast<std::pmr::memory_resource*>(opaque);
  try {
    void* p = memory->allocate(size + kPrefix, kAlign);
    std::memcpy(p, &size, sizeof(size));
    return static_cast<std::byte*>(p) + kPrefix;
  } catch (...) {
    return nullptr;  // zstd reports a memory error; nothing came from malloc
  }
}

void custom_free(void* opaque, void* address) {
  if (address == nullptr) return;
  auto* memory = static_cast<std::pmr::memory_resource*>(opaque);
  std::byte* p = static_cast<std::byte*>(address) - kPrefix;
  std::size_t size = 0;
  std::memcpy(&size, p, sizeof(size));
  memory->deallocate(p, size + kPrefix, kAlign);
}

}  // namespace

ZSTD_customMem zstd_memory(std::pmr::memory_resource* memory) noexcept {
  return ZSTD_customMem{custom_alloc, custom_free, memory};
}

SegmentCompressor::SegmentCompressor(std::pmr::memory_resource* codec,
                                     std::pmr::memory_resource* compressed, int level,
                                     DictionaryBook* dictionaries) noexcept
    : codec_(codec), compressed_(compressed), level_(level), dictionaries_(dictionaries) {}

SegmentCompressor::~SegmentCompressor() {
  if (cctx_ != nullptr) ZSTD_freeCCtx(cctx_);
  if (scratch_ != nullptr) codec_->deallocate(scratch_, scratch_bytes_, kAlign);
}

PackedBlock SegmentCompressor::compress(const std::byte* src, std::size_t n) noexcept {
  if (cctx_ == nullptr) {
    cctx_ = ZSTD_createCCtx_advanced(zstd_memory(codec_));
    if (cctx_ == nullptr) return {};
    if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level_)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cctx_, ZSTD_c_contentSizeFlag, 1))) {
      ZSTD_freeCCtx(cctx_);
      cctx_ = nullptr;
      return {};
    }
  }
  const std::size_t bound = ZSTD_compressBound(n);
  if (bound > scratch_bytes_) {
    void* p = nullptr;
    try {
      p = codec_->allocate(bound, kAlign);
    } catch (...) {
      return {};
    }
    if (scratch_ != nullptr) codec_->deallocate(scratch_, scratch_bytes_, kAlign);
    scratch_ = static_cast<std::byte*>(p);
    scratch_bytes_ = bound;
  }
  // Dictionaries serve small segments only (and learn from them): on larger ones the frame
  // finds its redundancy by itself, and zstd 1.5.4 compresses them with a dictionary many
  // times slower (docs/compression.md, "Dictionaries").
  const bool small = n <= DictionaryBook::kMaxSegmentBytes;
  Dictionary* dict = dictionaries_ != nullptr && small ? dictionaries_->current() : nullptr;
  std::size_t plain = 0;
  std::size_t with_dict = 0;
  std::size_t out = 0;
  if (dict == nullptr || dictionaries_->trialing()) {
    plain = run(src, n, nullptr);
    if (plain == 0) return {};
    out = plain;
  }
  if (dict != nullptr) {
    with_dict = run(src, n, dict);
    if (with_dict != 0 && (plain == 0 || with_dict < plain)) {
      out = with_dict;
    } else {
      // The frame without the dictionary is kept (made again: scratch holds the other one).
      plain = run(src, n, nullptr);
      if (plain == 0) return {};
      if (with_dict == 0) with_dict = plain;  // not measured: counts as no gain
      out = plain;
      dict = nullptr;
    }
  }
  PackedBlock block;
  try {
    block.data = static_cast<std::byte*>(compressed_->allocate(out, kAlign));
  } catch (...) {
    return {};
  }
  std::memcpy(block.data, scratch_, out);
  block.bytes = static_cast<std::uint32_t>(out);
  if (dict != nullptr) {
    DictionaryBook::acquire(dict);  // before report(), which may drop the current reference
    block.dict = dict;
  }
  if (dictionaries_ != nullptr && small) dictionaries_->report(src, n, plain, with_dict);
  return block;
}

std::size_t SegmentCompressor::run(const std::byte* src, std::size_t n, Dictionary* dict) noexcept {
  if (ZSTD_isError(ZSTD_CCtx_refCDict(cctx_, dict != nullptr ? dict->cdict : nullptr))) return 0;
  const std::size_t out = ZSTD_compress2(cctx_, scratch_, scratch_bytes_, src, n);
  if (ZSTD_isError(out)) {
    ZSTD_CCtx_reset(cctx_, ZSTD_reset_session_only);
    return 0;
  }
  return out;
}

void SegmentCompressor::free(PackedBlock block) noexcept {
  if (block.data != nullptr) compressed_->deallocate(block.data, block.bytes, kAlign);
  if (block.dict != nullptr) dictionaries_->release(block.dict);
}

SegmentDecompressor::~SegmentDecompressor() {
  if (dctx_ != nullptr) ZSTD_freeDCtx(dctx_);
}

void SegmentDecompressor::decompress(PackedBlock block, std::byte* dst, std::size_t n) {
  if (dctx_ == nullptr) {
    dctx_ = ZSTD_createDCtx_advanced(zstd_memory(codec_));
    if (dctx_ == nullptr) throw std::bad_alloc();
  }
  const std::size_t got =
      block.dict != nullptr
          ? ZSTD_decompress_usingDDict(dctx_, dst, n, block.data, block.bytes, block.dict->ddict)
          : ZSTD_decompressDCtx(dctx_, dst, n, block.data, block.bytes);
  if (ZSTD_isError(got) && ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation) {
    ZSTD_DCtx_reset(dctx_, ZSTD_reset_session_only);
    throw std::bad_alloc();
  }
  if (ZSTD_isError(got) || got != n) {
    std::fprintf(stderr, "orchestrix: a compressed segment does not decompress to %zu bytes: %s\n",
                 n, ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong size");
    std::abort();
  }
}

bool decompress_for_check(PackedBlock block, std::byte* dst, std::size_t n) noexcept {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  if (dctx == nullptr) return false;
  const void* dict = block.dict != nullptr ? block.dict->bytes : nullptr;
  const std::size_t dict_size = block.dict != nullptr ? block.dict->size : 0;
  const std::size_t got =
      ZSTD_decompress_usingDict(dctx, dst, n, block.data, block.bytes, dict, dict_size);
  ZSTD_freeDCtx(dctx);
  return !ZSTD_isError(got) && got == n;
}

std::uint32_t packed_dictionary_id(PackedBlock block) noexcept {
  return ZSTD_getDictID_fromFrame(block.data, block.bytes);
}

std::uint64_t packed_content_size(PackedBlock block) noexcept {
  const unsigned long long size = ZSTD_getFrameContentSize(block.data, block.bytes);
  if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR) return 0;
  return size;
}

}  // namespace orchestrix::detail
