// Packed frames of a rewritten log (packed_frames.hpp).
#include "persist/packed_frames.hpp"

#include <zstd.h>
#include <zstd_errors.h>

#include <array>
#include <new>
#include <string>

#include "codec/zstd_memory.hpp"
#include "format/varint.hpp"
#include "orchestrix/detail/check.hpp"
#include "orchestrix/errors.hpp"

namespace orchestrix::detail {
namespace {

[[noreturn]] void bad_pack(FrameOrigin origin, const std::string& what) {
  throw CorruptionError(CorruptionError::Kind::kBadFrame, origin.path, origin.offset,
                        "malformed packed frame: " + what);
}

}  // namespace

FramePacker::FramePacker(std::pmr::memory_resource* memory, int level)
    : memory_(memory), level_(level), raw_(memory) {}

FramePacker::~FramePacker() { ZSTD_freeCCtx(cctx_); }

void FramePacker::add(std::span<const std::byte> payload) {
  ORCHESTRIX_DCHECK(raw_.size() + payload.size() + 10 <= kMaxPackedBytes);
  std::array<std::byte, 10> length{};
  const std::byte* end = put_varint(length.data(), payload.size());
  raw_.insert(raw_.end(), static_cast<const std::byte*>(length.data()), end);
  raw_.insert(raw_.end(), payload.begin(), payload.end());
}

void FramePacker::finish(std::pmr::vector<std::byte>& out) {
  if (cctx_ == nullptr) {
    cctx_ = ZSTD_createCCtx_advanced(zstd_memory(memory_));
    if (cctx_ == nullptr) throw std::bad_alloc();
  }
  const std::size_t bound = ZSTD_compressBound(raw_.size());
  out.resize(4 + bound);
  const auto n = static_cast<std::uint32_t>(raw_.size());
  for (std::size_t i = 0; i < 4; ++i) out[i] = static_cast<std::byte>(n >> (8 * i));
  const std::size_t written =
      ZSTD_compressCCtx(cctx_, out.data() + 4, bound, raw_.data(), raw_.size(), level_);
  // With a bound-sized output the only failure is memory for the context's workspace.
  if (ZSTD_isError(written) != 0) throw std::bad_alloc();
  out.resize(4 + written);
  raw_.clear();
}

FrameUnpacker::FrameUnpacker(std::pmr::memory_resource* memory) : memory_(memory), raw_(memory) {}

FrameUnpacker::~FrameUnpacker() { ZSTD_freeDCtx(dctx_); }

void FrameUnpacker::unpack(std::span<const std::byte> payload, FrameOrigin origin,
                           const std::function<void(std::span<const std::byte>)>& on_batch) {
  if (payload.size() < 4) bad_pack(origin, "shorter than its length field");
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < 4; ++i) n |= static_cast<std::uint32_t>(payload[i]) << (8 * i);
  if (n == 0 || n > kMaxPackedBytes) {
    bad_pack(origin, "a packed length of " + std::to_string(n) + " bytes");
  }
  const std::span<const std::byte> frame = payload.subspan(4);
  const unsigned long long content = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (content != n) bad_pack(origin, "the zstd frame does not say the packed length");
  if (ZSTD_findFrameCompressedSize(frame.data(), frame.size()) != frame.size()) {
    bad_pack(origin, "bytes after the zstd frame, or a frame cut short");
  }
  if (dctx_ == nullptr) {
    dctx_ = ZSTD_createDCtx_advanced(zstd_memory(memory_));
    if (dctx_ == nullptr) throw std::bad_alloc();
  }
  raw_.resize(n);
  const std::size_t got = ZSTD_decompressDCtx(dctx_, raw_.data(), n, frame.data(), frame.size());
  if (ZSTD_isError(got) != 0) {
    if (ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation) throw std::bad_alloc();
    bad_pack(origin, std::string("zstd: ") + ZSTD_getErrorName(got));
  }
  if (got != n) bad_pack(origin, "the zstd frame holds fewer bytes than it says");
  last_ = origin;
  walk(origin, on_batch);
}

void FrameUnpacker::replay_decompressed(
    const std::function<void(std::span<const std::byte>)>& on_batch) {
  walk(last_, on_batch);
}

void FrameUnpacker::walk(FrameOrigin origin,
                         const std::function<void(std::span<const std::byte>)>& on_batch) {
  const std::byte* p = raw_.data();
  const std::byte* const end = p + raw_.size();
  while (p != end) {
    std::uint64_t length = 0;
    int shift = 0;
    for (;;) {
      if (p == end || shift > 63) bad_pack(origin, "a batch length runs past the packed bytes");
      const auto b = static_cast<std::uint8_t>(*p++);
      length |= static_cast<std::uint64_t>(b & 0x7FU) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    if (length == 0 || length > static_cast<std::uint64_t>(end - p)) {
      bad_pack(origin, "a batch of " + std::to_string(length) + " bytes in the packed bytes");
    }
    on_batch(std::span<const std::byte>(p, static_cast<std::size_t>(length)));
    p += length;
  }
}

}  // namespace orchestrix::detail
