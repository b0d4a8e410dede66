// key_slots.hpp — LaneChoice::kByPublisher's per-key order table of one worker.
//
// Under kByPublisher one key's messages may go into different lanes (one per publishing
// thread), so lane order alone no longer keeps them in publish order. Each key hashes to one
// slot of the table; a publish, right after claiming its position, records "lane, position" in
// its slot and takes what was recorded there before: the dependency, stored with the message,
// which the worker delivers first (see AsyncCore::take in async_message_bus.cpp). Keys that
// share a slot are kept in order together.
//
// A dependency is one word: kNone (0), or (lane + 1) << 48 | position. So lane + 1 must fit in
// 16 bits (the bus allows fewer than 32768 lanes under kByPublisher) and a position in 48.
//
// Threading: record() may be called from any thread at once; it is one seq_cst exchange, so
// the records of one slot form a single total order (the worker's deadlock-freedom argument
// rests on it). Memory: 8 bytes per slot (8 slots per cache line: publishers of keys whose slots
// share a line write a common line), one block from the std::pmr::memory_resource given to the
// constructor (none for 0 slots); throws what the resource throws.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <vector>

#include "orchestrix/detail/check.hpp"

namespace orchestrix::bus::detail {

class KeySlots {
 public:
  using Slot = std::atomic<std::uint64_t>;

  // No dependency (the first message of its slot).
  static constexpr std::uint64_t kNone = 0;

  KeySlots(std::size_t slots, std::pmr::memory_resource* memory) : slots_(slots, memory) {}

  std::size_t size() const noexcept { return slots_.size(); }
  Slot& operator[](std::size_t i) noexcept { return slots_[i]; }

  // Records that the message at `pos` of lane `lane` is the slot's latest, and returns the
  // dependency recorded before it (kNone if none).
  static std::uint64_t record(Slot& slot, std::size_t lane, std::uint64_t pos) noexcept {
    return slot.exchange((std::uint64_t{lane + 1} << kLaneShift) | pos, std::memory_order_seq_cst);
  }

  // The lane and position a dependency names. REQUIRES: dep != kNone (DCHECKed).
  static constexpr std::size_t lane(std::uint64_t dep) noexcept {
    ORCHESTRIX_DCHECK_MSG(dep != kNone, "lane() of an empty dependency");
    return static_cast<std::size_t>(dep >> kLaneShift) - 1;
  }
  static constexpr std::uint64_t position(std::uint64_t dep) noexcept { return dep & kPosMask; }

 private:
  static constexpr int kLaneShift = 48;
  static constexpr std::uint64_t kPosMask = (std::uint64_t{1} << kLaneShift) - 1;

  std::pmr::vector<Slot> slots_;
};

}  // namespace orchestrix::bus::detail
