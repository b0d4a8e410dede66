// Internal: brief spinning before blocking, for the append path's short waits. Two appends on
// two cores mostly wait for each other for less than a microsecond (a critical section of a
// few hundred instructions, or a predecessor finishing its encoding); blocking at once turns
// each such wait into a futex sleep and wake-up and a context switch on both sides.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace orchestrix::detail {

// A CPU hint that this thread is spinning (x86 pause, Arm yield): lets the sibling hardware
// thread run and saves power; a no-op elsewhere.
inline void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Locks `m` (a std::mutex or std::shared_mutex, exclusively): tries kSpins times with a pause
// in between, then blocks. The caller unlocks (e.g. std::lock_guard with std::adopt_lock).
template <class Mutex>
void lock_spinning(Mutex& m) {
  constexpr int kSpins = 64;
  for (int i = 0; i < kSpins; ++i) {
    if (m.try_lock()) return;
    spin_pause();
  }
  m.lock();
}

// Waits until `value` holds `wanted`: spins with pauses (a predecessor on another core is about
// to store it), then yields the core a few times (the predecessor may be waiting for it on an
// oversubscribed machine), then sleeps on the atomic. The acquire load that sees `wanted`
// synchronizes with the store that wrote it.
inline void wait_until_equal(const std::atomic<std::uint64_t>& value, std::uint64_t wanted) {
  constexpr int kSpins = 128;
  constexpr int kYields = 16;
  for (int round = 0;; ++round) {
    const std::uint64_t seen = value.load(std::memory_order_acquire);
    if (seen == wanted) return;
    if (round < kSpins) {
      spin_pause();
    } else if (round < kSpins + kYields) {
      std::this_thread::yield();
    } else {
      value.wait(seen, std::memory_order_acquire);
    }
  }
}

}  // namespace orchestrix::detail
