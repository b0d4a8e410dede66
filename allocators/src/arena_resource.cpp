#include "orchestrix/alloc/arena_resource.hpp"

#include <algorithm>
#include <cstdint>

#include "orchestrix/detail/check.hpp"
#include "orchestrix/detail/invariant.hpp"
#include "orchestrix/errors.hpp"

namespace orchestrix::alloc {
namespace {

constexpr std::size_t kMinBlockBytes = 4096;
constexpr std::size_t kBlockAlignment = alignof(std::max_align_t);

inline std::uintptr_t align_up(std::uintptr_t value, std::size_t alignment) noexcept {
  return (value + alignment - 1) & ~(static_cast<std::uintptr_t>(alignment) - 1);
}

}  // namespace

// Sits at the start of every block taken from the upstream.
struct ArenaResource::Block {
  Block* next;
  std::size_t bytes;      // as passed to upstream->allocate
  std::size_t alignment;  // as passed to upstream->allocate
  std::size_t padding_;   // keeps sizeof(Block) a multiple of kBlockAlignment
};

ArenaResource::ArenaResource(std::pmr::memory_resource* upstream, ArenaOptions options)
    : upstream_(upstream), options_(options) {
  if (upstream_ == nullptr) throw InvalidArgument("ArenaResource: upstream is null");
  if (options_.block_bytes < kMinBlockBytes) {
    throw InvalidArgument("ArenaResource: block_bytes must be at least 4096");
  }
}

ArenaResource::~ArenaResource() { release_unlocked(); }

void ArenaResource::release() {
  if (options_.thread_safe) {
    std::lock_guard lock(mutex_);
    release_unlocked();
  } else {
    release_unlocked();
  }
}

void ArenaResource::release_unlocked() noexcept {
  for (Block* list : {blocks_, oversized_}) {
    while (list != nullptr) {
      Block* next = list->next;
      upstream_->deallocate(list, list->bytes, list->alignment);
      list = next;
    }
  }
  blocks_ = oversized_ = nullptr;
  cursor_ = limit_ = nullptr;
  stats_ = ArenaStats{};
}

ArenaStats ArenaResource::stats() const {
  auto snapshot = [this] {
    ArenaStats s = stats_;
    s.slack_bytes = s.reserved_bytes - s.used_bytes;
    return s;
  };
  if (options_.thread_safe) {
    std::lock_guard lock(mutex_);
    return snapshot();
  }
  return snapshot();
}

void* ArenaResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (options_.thread_safe) {
    std::lock_guard lock(mutex_);
    return allocate_unlocked(bytes, alignment);
  }
  return allocate_unlocked(bytes, alignment);
}

// Fast path: align the cursor, bump it. A request that does not fit opens a new regular block;
// the old block's tail is abandoned (it shows up as slack) rather than tracked, which keeps the
// fast path to a compare and an add. Requests over a quarter block go to allocate_oversized()
// so that abandoning a tail never wastes more than a quarter of a block.
void* ArenaResource::allocate_unlocked(std::size_t bytes, std::size_t alignment) {
  if (bytes == 0) bytes = 1;  // distinct pointers for distinct calls
  static_assert(sizeof(Block) % kBlockAlignment == 0);
  const std::size_t oversize_threshold = options_.block_bytes / 4;
  if (bytes > oversize_threshold || alignment > oversize_threshold - bytes) {
    return allocate_oversized(bytes, alignment);
  }
  // The cursor moves by pointer arithmetic (an address is only read to find the padding), so
  // the pointers handed out keep the block's provenance.
  const auto padding = [alignment](const char* p) noexcept {
    const auto address = reinterpret_cast<std::uintptr_t>(p);
    return static_cast<std::size_t>(align_up(address, alignment) - address);
  };
  std::size_t pad = padding(cursor_);
  if (cursor_ == nullptr || pad + bytes > static_cast<std::size_t>(limit_ - cursor_)) {
    void* raw = upstream_->allocate(options_.block_bytes, kBlockAlignment);
    auto* block = static_cast<Block*>(raw);
    *block = Block{blocks_, options_.block_bytes, kBlockAlignment, 0};
    blocks_ = block;
    cursor_ = static_cast<char*>(raw) + sizeof(Block);
    limit_ = static_cast<char*>(raw) + options_.block_bytes;
    stats_.reserved_bytes += options_.block_bytes;
    stats_.blocks += 1;
    pad = padding(cursor_);
  }
  char* start = cursor_ + pad;
  cursor_ = start + bytes;
  ORCHESTRIX_DCHECK_MSG(cursor_ <= limit_, "the bump pointer left the current block");
  stats_.used_bytes += bytes;
  return start;
}

// An oversized block: [Block header, padded to the alignment][payload]. The upstream is asked
// for the alignment itself, so the payload offset is a constant and no over-allocation is
// needed for alignment.
void* ArenaResource::allocate_oversized(std::size_t bytes, std::size_t alignment) {
  const std::size_t block_alignment = std::max(alignment, kBlockAlignment);
  const std::size_t header = align_up(sizeof(Block), block_alignment);
  if (bytes > SIZE_MAX - header) throw std::bad_alloc();
  const std::size_t total = header + bytes;
  void* raw = upstream_->allocate(total, block_alignment);
  auto* block = static_cast<Block*>(raw);
  *block = Block{oversized_, total, block_alignment, 0};
  oversized_ = block;
  stats_.reserved_bytes += total;
  stats_.used_bytes += bytes;
  stats_.oversized_blocks += 1;
  return static_cast<char*>(raw) + header;
}

void ArenaResource::check_invariants() const {
  if (options_.thread_safe) {
    std::lock_guard lock(mutex_);
    check_invariants_unlocked();
  } else {
    check_invariants_unlocked();
  }
}

void ArenaResource::check_invariants_unlocked() const {
  using orchestrix::detail::invariant_violated;
  constexpr std::string_view kWhat = "ArenaResource";
  // Regular blocks: each exactly block_bytes; counted by stats_.blocks (the count also bounds
  // the walk, so a cycle in the list is reported instead of looping).
  std::uint64_t blocks = 0;
  for (const Block* b = blocks_; b != nullptr; b = b->next) {
    if (++blocks > stats_.blocks) {
      invariant_violated(kWhat, "the regular block list holds more than the ", stats_.blocks,
                         " blocks counted");
    }
    if (b->bytes != options_.block_bytes || b->alignment != kBlockAlignment) {
      invariant_violated(kWhat, "regular block #", blocks, " (newest first) has ", b->bytes,
                         " bytes aligned to ", b->alignment, ", not ", options_.block_bytes,
                         " aligned to ", kBlockAlignment);
    }
  }
  if (blocks != stats_.blocks) {
    invariant_violated(kWhat, "the regular block list holds ", blocks, " blocks, ", stats_.blocks,
                       " counted");
  }
  // The bump pointer: inside the newest regular block, past its header; no block, no pointer.
  if (blocks_ == nullptr) {
    if (cursor_ != nullptr || limit_ != nullptr) {
      invariant_violated(kWhat, "no regular block but the bump pointer is set");
    }
  } else {
    const char* first = reinterpret_cast<const char*>(blocks_) + sizeof(Block);
    const char* end = reinterpret_cast<const char*>(blocks_) + options_.block_bytes;
    if (limit_ != end) {
      invariant_violated(kWhat, "the block limit is not the end of the newest block");
    }
    if (cursor_ < first || cursor_ > limit_) {
      invariant_violated(kWhat, "the bump pointer is outside the newest block (", cursor_ - first,
                         " bytes past its header, block of ", options_.block_bytes, " bytes)");
    }
  }
  // Oversized blocks: counted, and each at least its header.
  std::uint64_t oversized = 0;
  std::uint64_t oversized_bytes = 0;
  for (const Block* b = oversized_; b != nullptr; b = b->next) {
    if (++oversized > stats_.oversized_blocks) {
      invariant_violated(kWhat, "the oversized block list holds more than the ",
                         stats_.oversized_blocks, " blocks counted");
    }
    if (b->bytes <= sizeof(Block) || b->alignment < kBlockAlignment) {
      invariant_violated(kWhat, "oversized block #", oversized, " (newest first) has ", b->bytes,
                         " bytes aligned to ", b->alignment);
    }
    oversized_bytes += b->bytes;
  }
  if (oversized != stats_.oversized_blocks) {
    invariant_violated(kWhat, "the oversized block list holds ", oversized, " blocks, ",
                       stats_.oversized_blocks, " counted");
  }
  // Bytes: reserved is what the lists hold; used fits in it minus the headers.
  const std::uint64_t reserved = blocks * options_.block_bytes + oversized_bytes;
  if (reserved != stats_.reserved_bytes) {
    invariant_violated(kWhat, "reserved_bytes is ", stats_.reserved_bytes, " but the blocks hold ",
                       reserved);
  }
  const std::uint64_t headers = (blocks + oversized) * sizeof(Block);
  if (stats_.used_bytes > reserved - headers) {
    invariant_violated(kWhat, "used_bytes ", stats_.used_bytes, " exceeds the ", reserved - headers,
                       " bytes the blocks offer past their headers");
  }
}

void ArenaResource::do_deallocate(void* /*p*/, std::size_t /*bytes*/, std::size_t /*alignment*/) {
  // Arena memory comes back only through release() or destruction (see the header).
}

bool ArenaResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return this == &other;
}

}  // namespace orchestrix::alloc
