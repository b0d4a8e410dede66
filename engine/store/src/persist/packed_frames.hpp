// Internal: packed frames of a rewritten log (docs/durability.md, "Type 7, packed batches").
//
// With compression on, a checkpoint (persist/log_rewrite.cpp) writes its batches in groups: one
// frame of type kPacked whose payload is
//
//   u32  the length R of the packed bytes once decompressed (1 .. kMaxPackedBytes)
//   ...  one zstd frame (no dictionary) of R bytes: a sequence of batch payloads, each as
//        varint length + the payload of a kBatch frame (store_frames.hpp)
//
// FramePacker collects batch payloads and compresses them into such a payload; unpack()
// checks and decompresses one and hands each batch payload to a callback. Every failure to
// decode (a length over the limit, a zstd frame that is not exactly R bytes, a length past the
// end) is CorruptionError kBadFrame with the file and the packed frame's offset.
// Memory: contexts, scratch and the decompressed bytes from the `memory` given (the store's
// log category); nothing else. Not thread safe (one packer or unpacker per thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory_resource>
#include <span>
#include <vector>

#include "persist/store_frames.hpp"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace orchestrix::detail {

// The most decompressed bytes one packed frame may hold (the packer closes a pack before it).
constexpr std::size_t kMaxPackedBytes = 16 * 1024 * 1024;

class FramePacker {
 public:
  // level: zstd level (StoreOptions::compression.level).
  FramePacker(std::pmr::memory_resource* memory, int level);
  ~FramePacker();
  FramePacker(const FramePacker&) = delete;
  FramePacker& operator=(const FramePacker&) = delete;

  // Adds one batch payload. REQUIRES: pending_bytes() + payload.size() + 10 <= kMaxPackedBytes.
  void add(std::span<const std::byte> payload);
  std::size_t pending_bytes() const noexcept { return raw_.size(); }
  // Compresses what was added into `out` (cleared first) as a kPacked payload and starts
  // empty again. Throws std::bad_alloc (memory for the context or output); REQUIRES: something
  // was added.
  void finish(std::pmr::vector<std::byte>& out);

 private:
  std::pmr::memory_resource* memory_;
  int level_;
  ZSTD_CCtx_s* cctx_ = nullptr;
  std::pmr::vector<std::byte> raw_;
};

class FrameUnpacker {
 public:
  explicit FrameUnpacker(std::pmr::memory_resource* memory);
  ~FrameUnpacker();
  FrameUnpacker(const FrameUnpacker&) = delete;
  FrameUnpacker& operator=(const FrameUnpacker&) = delete;

  // Decompresses a kPacked payload and calls on_batch for each batch payload in it, in order
  // (the spans are valid during the call). Throws CorruptionError as described above, or what
  // on_batch throws.
  void unpack(std::span<const std::byte> payload, FrameOrigin origin,
              const std::function<void(std::span<const std::byte>)>& on_batch);
  // Calls on_batch again for each batch payload of the frame unpack() last decompressed
  // (without decompressing it again). REQUIRES: unpack() returned normally since.
  void replay_decompressed(const std::function<void(std::span<const std::byte>)>& on_batch);

 private:
  std::pmr::memory_resource* memory_;
  // Splits raw_ into batch payloads (checks every length).
  void walk(FrameOrigin origin, const std::function<void(std::span<const std::byte>)>& on_batch);

  ZSTD_DCtx_s* dctx_ = nullptr;
  std::pmr::vector<std::byte> raw_;
  FrameOrigin last_;
};

}  // namespace orchestrix::detail
