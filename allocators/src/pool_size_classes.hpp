// pool_size_classes.hpp (private) — the slot sizes of PoolResource and the request -> class map.
//
// Classes: 8, 16, 24, 32, then every 16 bytes to 128, then four per doubling (160, 192, 224,
// 256, 320, ...), and finally max_slot_bytes itself; so internal waste is at most ~25% above 128
// bytes. A slot of size s is aligned to the largest power of two dividing s (capped at 4096);
// a request whose alignment its natural class cannot give moves up to the first class that can.
// Lookup is one table load (by 8-byte granule) plus, for over-aligned requests only, a short scan.
// Holds no heap memory: both tables are inline (about 4 KiB).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace orchestrix::alloc::detail {

class PoolSizeClasses {
 public:
  static constexpr std::size_t kMaxSlotBytes = 32 * 1024;
  static constexpr std::size_t kMaxClasses = 64;
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  // REQUIRES: 8 <= max_slot_bytes <= kMaxSlotBytes and max_slot_bytes % 8 == 0.
  explicit PoolSizeClasses(std::size_t max_slot_bytes) noexcept;

  std::size_t count() const noexcept { return count_; }
  std::size_t slot_bytes(std::size_t index) const noexcept { return sizes_[index]; }
  std::size_t slot_alignment(std::size_t index) const noexcept;
  std::size_t max_slot_bytes() const noexcept { return sizes_[count_ - 1]; }

  // The class serving (bytes, alignment), or kNone when no slot is big and aligned enough.
  std::size_t find(std::size_t bytes, std::size_t alignment) const noexcept {
    if (bytes == 0) bytes = 1;
    if (bytes > max_slot_bytes()) return kNone;
    std::size_t index = by_granule_[(bytes + 7) / 8];
    while (slot_alignment(index) < alignment) {
      if (++index == count_) return kNone;
    }
    return index;
  }

 private:
  std::array<std::uint32_t, kMaxClasses> sizes_{};
  std::size_t count_ = 0;
  std::array<std::uint8_t, kMaxSlotBytes / 8 + 1> by_granule_{};
};

}  // namespace orchestrix::alloc::detail
