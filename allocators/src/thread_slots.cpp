#include "thread_slots.hpp"

#include <atomic>
#include <bit>
#include <cstdint>

namespace orchestrix::alloc::detail {
namespace {

static_assert(kExclusiveThreadSlots <= 64, "the slot mask is one 64-bit word");

constinit std::atomic<std::uint64_t> g_used_slots{0};

// Gives the slot back when its thread exits. Later allocations on the exiting thread (from other
// thread_local destructors) fall back to the shared slot.
struct SlotReleaser {
  std::size_t slot = kNoThreadSlot;
  ~SlotReleaser() {
    t_thread_slot = kSharedThreadSlot;
    if (slot < kExclusiveThreadSlots) {
      g_used_slots.fetch_and(~(std::uint64_t{1} << slot), std::memory_order_release);
    }
  }
};

thread_local SlotReleaser t_releaser;

}  // namespace

std::size_t claim_thread_slot() noexcept {
  constexpr std::uint64_t kAll = kExclusiveThreadSlots == 64
                                     ? ~std::uint64_t{0}
                                     : (std::uint64_t{1} << kExclusiveThreadSlots) - 1;
  std::uint64_t used = g_used_slots.load(std::memory_order_relaxed);
  std::size_t slot = kSharedThreadSlot;
  while ((used & kAll) != kAll) {
    const auto bit = static_cast<std::size_t>(std::countr_one(used));
    if (g_used_slots.compare_exchange_weak(used, used | (std::uint64_t{1} << bit),
                                           std::memory_order_acquire, std::memory_order_relaxed)) {
      slot = bit;
      break;
    }
  }
  t_releaser.slot = slot;
  t_thread_slot = slot;
  return slot;
}

}  // namespace orchestrix::alloc::detail
