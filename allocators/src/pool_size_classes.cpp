#include "pool_size_classes.hpp"

#include <algorithm>

#include "orchestrix/detail/check.hpp"

namespace orchestrix::alloc::detail {

PoolSizeClasses::PoolSizeClasses(std::size_t max_slot_bytes) noexcept {
  ORCHESTRIX_DCHECK(max_slot_bytes >= 8 && max_slot_bytes <= kMaxSlotBytes &&
                    max_slot_bytes % 8 == 0);
  auto add = [this, max_slot_bytes](std::size_t size) {
    if (size < max_slot_bytes && count_ + 1 < kMaxClasses)
      sizes_[count_++] = static_cast<std::uint32_t>(size);
  };
  for (std::size_t size : {8, 16, 24, 32}) add(size);
  for (std::size_t size = 48; size <= 128; size += 16) add(size);
  for (std::size_t base = 128; base < max_slot_bytes; base *= 2) {
    for (std::size_t step = 1; step <= 4; ++step) add(base + step * base / 4);
  }
  sizes_[count_++] = static_cast<std::uint32_t>(max_slot_bytes);

  std::size_t index = 0;
  for (std::size_t granule = 0; granule <= max_slot_bytes / 8; ++granule) {
    while (sizes_[index] < granule * 8) ++index;
    by_granule_[granule] = static_cast<std::uint8_t>(index);
  }
}

std::size_t PoolSizeClasses::slot_alignment(std::size_t index) const noexcept {
  const std::size_t size = sizes_[index];
  return std::min<std::size_t>(size & (~size + 1), 4096);
}

}  // namespace orchestrix::alloc::detail
