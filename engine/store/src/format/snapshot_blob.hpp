// Internal: one stored snapshot — a single block from the snapshot category resource:
//   [SnapshotBlob header | state bytes]
// shared by the store and Snapshot handles through an atomic reference count.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string_view>

namespace orchestrix::detail {

struct SnapshotBlob {
  std::atomic<std::uint32_t> refs{1};
  std::pmr::memory_resource* memory = nullptr;  // where the block came from
  std::uint64_t version = 0;
  std::string_view type;  // interned in the store's InternTable
  std::size_t state_bytes = 0;

  std::byte* state() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
  const std::byte* state() const noexcept { return reinterpret_cast<const std::byte*>(this + 1); }
  std::size_t block_bytes() const noexcept { return sizeof(SnapshotBlob) + state_bytes; }

  void add_ref() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
  // Frees the block when the last reference goes.
  void release() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::pmr::memory_resource* m = memory;
      const std::size_t n = block_bytes();
      this->~SnapshotBlob();
      m->deallocate(this, n, alignof(SnapshotBlob));
    }
  }
};

}  // namespace orchestrix::detail
