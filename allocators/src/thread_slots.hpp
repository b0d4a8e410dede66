// thread_slots.hpp (private) — a small, process-wide numbering of live threads.
//
// Each thread that asks gets a slot in [0, kExclusiveThreadSlots) that no other live thread
// holds, so per-slot data (InstrumentedResource's counter shards) has exactly one writer and can
// be updated with plain relaxed load + store instead of a locked read-modify-write. Slots are
// claimed lazily (first call on a thread) from one 64-bit mask and given back when the thread
// exits; the release/acquire pair on the mask orders the old owner's last writes before the new
// owner's first. When every exclusive slot is taken, a thread gets kSharedThreadSlot, whose data
// must be updated with atomic read-modify-writes.
#pragma once

#include <cstddef>

namespace orchestrix::alloc::detail {

inline constexpr std::size_t kExclusiveThreadSlots = 32;
inline constexpr std::size_t kSharedThreadSlot = kExclusiveThreadSlots;
inline constexpr std::size_t kNoThreadSlot = static_cast<std::size_t>(-1);

// The calling thread's slot (slow path: claims one). Makes no operator new call; glibc's
// registration of the thread-exit hook does one calloc per thread.
std::size_t claim_thread_slot() noexcept;

// Fast path: one thread-local load once the slot is claimed. initial-exec: the library is built
// position-independent, and the default (global-dynamic) model would call __tls_get_addr on every
// access, which more than doubled InstrumentedResource's overhead (bench/alloc_resources.cpp).
// initial-exec needs static TLS space, which glibc reserves for objects loaded at start-up and a
// little extra for dlopen; 8 bytes is well within it.
inline thread_local constinit std::size_t t_thread_slot __attribute__((tls_model("initial-exec"))) =
    kNoThreadSlot;

inline std::size_t current_thread_slot() noexcept {
  const std::size_t slot = t_thread_slot;
  return slot != kNoThreadSlot ? slot : claim_thread_slot();
}

}  // namespace orchestrix::alloc::detail
