#include "codec/segment_cache.hpp"

#include <exception>
#include <new>

#include "codec/dictionary.hpp"
#include "orchestrix/detail/check.hpp"
#include "orchestrix/detail/invariant.hpp"

namespace orchestrix::detail {

SegmentCache::SegmentCache(std::pmr::memory_resource* cache_memory,
                           std::pmr::memory_resource* codec_memory, std::size_t bound,
                           ReclaimDomain& reclaim, const SegmentFiles& files) noexcept
    : memory_(cache_memory),
      codec_memory_(codec_memory),
      files_(&files),
      bound_(bound),
      reclaim_(reclaim),
      decompressor_(codec_memory) {}

SegmentCache::~SegmentCache() {
  ORCHESTRIX_DCHECK_MSG(oldest_ == nullptr, "a segment is still cached when the cache goes");
}

const std::byte* SegmentCache::fill(const Segment* segment) {
  auto* s = const_cast<Segment*>(segment);
  BlockLink* evicted = nullptr;
  const std::byte* result = nullptr;
  std::exception_ptr failure;  // rethrown once the evicted blocks are retired (outside mu_)
  {
    std::lock_guard lock(mu_);
    result = s->bytes.load(std::memory_order_acquire);
    if (result == nullptr) {
      ORCHESTRIX_DCHECK_MSG(s->state.load(std::memory_order_relaxed) != SegmentState::kRaw,
                            "a segment without bytes is raw");
      const std::size_t n = s->used.load(std::memory_order_acquire);
      const std::size_t block_bytes = sizeof(BlockLink) + n;
      // Make room first (evicting never fails), then allocate: a bad_alloc leaves the evictions.
      while (oldest_ != nullptr && cached_ + block_bytes > bound_) {
        Segment* victim = oldest_;
        unlink_locked(victim);
        victim->bytes.store(nullptr, std::memory_order_release);
        BlockLink* b = victim->cache_block;
        victim->cache_block = nullptr;
        cached_ -= b->bytes;
        b->retired_next = evicted;
        evicted = b;
      }
      void* p = nullptr;
      try {
        p = memory_->allocate(block_bytes, kSegmentAlign);
        auto* b = new (p) BlockLink{};
        b->bytes = static_cast<std::uint32_t>(block_bytes);
        b->kind = BlockLink::Kind::kCache;
        if (s->state.load(std::memory_order_relaxed) == SegmentState::kCold) {
          load_cold_locked(*s, b->payload(), n);
        } else {
          decompressor_.decompress(PackedBlock{s->packed, s->packed_bytes, s->dict}, b->payload(),
                                   n);
        }
        s->cache_block = b;
      } catch (...) {
        if (p != nullptr) memory_->deallocate(p, block_bytes, kSegmentAlign);
        failure = std::current_exception();
      }
    }
    if (failure == nullptr && result == nullptr) {
      s->cache_prev = newest_;
      s->cache_next = nullptr;
      if (newest_ != nullptr) {
        newest_->cache_next = s;
      } else {
        oldest_ = s;
      }
      newest_ = s;
      cached_ += s->cache_block->bytes;
      ++misses_;
      result = s->cache_block->payload();
      s->bytes.store(result, std::memory_order_release);
    }
  }
  for (BlockLink* b = evicted; b != nullptr;) {
    BlockLink* next = b->retired_next;
    reclaim_.retire_block(b);
    b = next;
  }
  if (failure != nullptr) std::rethrow_exception(failure);
  return result;
}

void SegmentCache::load_cold_locked(const Segment& s, std::byte* out, std::size_t n) {
  const bool packed = s.packed_bytes != 0;
  const SegmentFileFacts facts{s.first_position, static_cast<std::uint32_t>(n),
                               packed ? s.packed_bytes : static_cast<std::uint32_t>(n),
                               s.dict != nullptr ? s.dict->version : 0U, packed};
  if (!packed) {
    files_->read(s.file_suffix, facts, {out, n});
    return;
  }
  struct Scratch {
    std::pmr::memory_resource* memory;
    std::size_t bytes;
    void* p;
    ~Scratch() { memory->deallocate(p, bytes, kSegmentAlign); }
  } scratch{codec_memory_, facts.block_bytes,
            codec_memory_->allocate(facts.block_bytes, kSegmentAlign)};
  auto* frame = static_cast<std::byte*>(scratch.p);
  files_->read(s.file_suffix, facts, {frame, facts.block_bytes});
  // The CRC matched: the frame is the one the store wrote, so it decompresses to n bytes.
  decompressor_.decompress(PackedBlock{frame, facts.block_bytes, s.dict}, out, n);
}

void SegmentCache::unlink_locked(Segment* s) noexcept {
  if (s->cache_prev != nullptr) {
    s->cache_prev->cache_next = s->cache_next;
  } else {
    oldest_ = s->cache_next;
  }
  if (s->cache_next != nullptr) {
    s->cache_next->cache_prev = s->cache_prev;
  } else {
    newest_ = s->cache_prev;
  }
  s->cache_prev = s->cache_next = nullptr;
}

void SegmentCache::forget(Segment* s) noexcept {
  std::lock_guard lock(mu_);
  BlockLink* b = s->cache_block;
  if (b == nullptr) return;
  unlink_locked(s);
  s->cache_block = nullptr;
  s->bytes.store(nullptr, std::memory_order_relaxed);
  cached_ -= b->bytes;
  memory_->deallocate(b, b->bytes, kSegmentAlign);
}

void SegmentCache::free_block(BlockLink* b) noexcept {
  memory_->deallocate(b, b->bytes, kSegmentAlign);
}

std::uint64_t SegmentCache::cached_bytes() const noexcept {
  std::lock_guard lock(mu_);
  return cached_;
}

void SegmentCache::inspect(const std::function<void()>& f) const {
  std::lock_guard lock(mu_);
  f();
}

std::uint64_t SegmentCache::misses() const noexcept {
  std::lock_guard lock(mu_);
  return misses_;
}

void SegmentCache::check_invariants(const std::function<void(const Segment*)>& f) const {
  constexpr std::string_view kWhat = "SegmentCache";
  std::lock_guard lock(mu_);
  std::uint64_t bytes = 0;
  const Segment* previous = nullptr;
  for (const Segment* s = oldest_; s != nullptr; s = s->cache_next) {
    if (s->cache_prev != previous) invariant_violated(kWhat, "a FIFO link is broken");
    if (s->cache_block == nullptr) invariant_violated(kWhat, "a listed segment has no block");
    if (s->bytes.load(std::memory_order_relaxed) != s->cache_block->payload()) {
      invariant_violated(kWhat, "a cached segment does not publish its cache block");
    }
    bytes += s->cache_block->bytes;
    f(s);
    previous = s;
  }
  if (previous != newest_) invariant_violated(kWhat, "the FIFO does not end at its newest entry");
  if (bytes != cached_) {
    invariant_violated(kWhat, "cached bytes are ", cached_, " but the blocks hold ", bytes);
  }
}

}  // namespace orchestrix::detail
