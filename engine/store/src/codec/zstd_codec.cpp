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

ZSTD_customMem custom_mem(std::pmr::memory_resource* memory) noexcept {
  return ZSTD_customMem{custom_alloc, custom_free, memory};
}

}  // namespace

SegmentCompressor::SegmentCompressor(std::pmr::memory_resource* codec,
                                     std::pmr::memory_resource* compressed, int level) noexcept
    : codec_(codec), compressed_(compressed), level_(level) {}

SegmentCompressor::~SegmentCompressor() {
  if (cctx_ != nullptr) ZSTD_freeCCtx(cctx_);
  if (scratch_ != nullptr) codec_->deallocate(scratch_, scratch_bytes_, kAlign);
}

PackedBlock SegmentCompressor::compress(const std::byte* src, std::size_t n) noexcept {
  if (cctx_ == nullptr) {
    cctx_ = ZSTD_createCCtx_advanced(custom_mem(codec_));
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
  const std::size_t out = ZSTD_compress2(cctx_, scratch_, scratch_bytes_, src, n);
  if (ZSTD_isError(out)) {
    ZSTD_CCtx_reset(cctx_, ZSTD_reset_session_only);
    return {};
  }
  PackedBlock block;
  try {
    block.data = static_cast<std::byte*>(compressed_->allocate(out, kAlign));
  } catch (...) {
    return {};
  }
  std::memcpy(block.data, scratch_, out);
  block.bytes = static_cast<std::uint32_t>(out);
  return block;
}

void SegmentCompressor::free(PackedBlock block) noexcept {
  if (block.data != nullptr) compressed_->deallocate(block.data, block.bytes, kAlign);
}

SegmentDecompressor::~SegmentDecompressor() {
  if (dctx_ != nullptr) ZSTD_freeDCtx(dctx_);
}

void SegmentDecompressor::decompress(PackedBlock block, std::byte* dst, std::size_t n) {
  if (dctx_ == nullptr) {
    dctx_ = ZSTD_createDCtx_advanced(custom_mem(codec_));
    if (dctx_ == nullptr) throw std::bad_alloc();
  }
  const std::size_t got = ZSTD_decompressDCtx(dctx_, dst, n, block.data, block.bytes);
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
  const std::size_t got = ZSTD_decompress(dst, n, block.data, block.bytes);
  return !ZSTD_isError(got) && got == n;
}

std::uint64_t packed_content_size(PackedBlock block) noexcept {
  const unsigned long long size = ZSTD_getFrameContentSize(block.data, block.bytes);
  if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR) return 0;
  return size;
}

}  // namespace orchestrix::detail
