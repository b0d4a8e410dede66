// Internal: a log segment — one large block from the store's resource holding runs of records.
//
//   [Segment header | run | run | ... | unused tail]
//   run = run header + 1..64 records of ONE stream with consecutive versions and positions
//
// Segments form a singly linked list in global position order (the log). Appends reserve space
// at the tail under the log lock (`reserved`), fill it without the lock, and publish `used` in
// position order with release ordering after the bytes are written; readers load it with
// acquire and never look past it. Sealed segments never change. Compaction replaces a group of
// adjacent sparse segments by one fresh segment holding copies of their live runs and *retires*
// the old ones, which stay intact (contents and `next`) until no reader pinned before the
// retirement is left.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace orchestrix::detail {

struct Segment {
  std::atomic<Segment*> next{nullptr};
  Segment* retired_next = nullptr;     // link in a ReclaimDomain retire list
  std::uint64_t first_position = 0;    // position of the first record in this segment
  std::uint32_t block_bytes = 0;       // size of the whole allocation (header included)
  std::uint32_t capacity = 0;          // bytes available for runs
  std::atomic<std::uint32_t> used{0};  // bytes of runs written and published
  std::uint32_t reserved = 0;          // bytes handed to appends (>= used); guarded by the log lock
  std::atomic<std::uint64_t> dead_bytes{0};  // bytes of runs/records below retained ranges

  std::byte* data() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
  const std::byte* data() const noexcept { return reinterpret_cast<const std::byte*>(this + 1); }
};

constexpr std::size_t kSegmentAlign = alignof(std::max_align_t);
constexpr std::size_t kSegmentHeaderBytes = sizeof(Segment);

}  // namespace orchestrix::detail
