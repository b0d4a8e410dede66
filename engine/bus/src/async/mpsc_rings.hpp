// mpsc_rings.hpp — the async bus's queues: bounded lock-free multi-producer single-consumer
// rings, one per lane of a worker, after Dmitry Vyukov's bounded queue.
//
// MpscRings<T> holds `lanes` rings of `capacity` cells each. A cell carries one T (the payload)
// and a sequence word that tells its state for position p (p % capacity == the cell's index):
//   seq == 2p       free for the producer that claims p;
//   seq == 2p + 1   holds the payload of position p;
// consuming it makes seq 2(p + capacity), free for the next lap. (Doubling keeps the states
// apart even for a capacity of 1.)
//
// Protocol. A producer claims the position at a lane's tail (try_claim), writes the payload
// (at) and publishes it (publish). The consumer takes a lane's positions in order from its head:
// it waits until filled(), reads the payload (at) and frees the cell (consume).
//
// Threading: any number of producers may claim and publish in any lane at once; ONE consumer
// thread calls head(), filled(), ready(), consume(), empty_and_open() and closed_and_drained(),
// and reads the payloads. close() may be called from any thread. tail() and head() may be read
// from any thread for monitoring (relaxed loads give a snapshot, no ordering).
//
// Memory ordering: a claim is a seq_cst compare-exchange on the lane's tail, so the claims of a
// lane form one total order consistent with happens-before (two claims on one thread, or on
// threads that synchronised in between, take increasing positions), and a seq_cst operation
// the producer makes after the claim is ordered after it (the bus relies on that to look at
// its worker's sleep announcement). publish() is a release store of the cell's seq and filled()
// an acquire load: the consumer sees the payload the producer wrote. consume() is a release
// store of seq and try_claim() loads it with acquire: the next lap's producer writes after the
// consumer has read. close() is a seq_cst read-modify-write; empty_and_open() loads every tail
// seq_cst (for a sleep/wake handshake), closed_and_drained() with acquire.
//
// Bound and blocking: a lane holds at most `capacity` positions claimed and not yet consumed;
// try_claim() then reports Claim::kFull (the cell at the tail still holds, or is being filled
// with, the payload one lap back). Nothing in the rings blocks: try_claim() retries only when
// another producer won the same position (lock-free), publish() and consume() are single
// stores. A producer preempted between claim and publish holds back the consumer of that lane
// at that position (filled() stays false) and so every later position of the lane; how the
// consumer waits, and how a producer waits for room (room_at()), is the caller's choice.
//
// Closing: close() sets kClosed (bit 63) in every lane's tail. From then on every claim reports
// Claim::kStopped; positions claimed before are still published and consumed as usual, and the
// closed tail tells the consumer where each lane ends (closed_and_drained()).
//
// Memory: 64 bytes per cell (one cache line: the 8-byte seq and a payload of up to 56 bytes),
// 64 bytes per lane for its tail (a line of its own) and 8 per lane for its head, in three
// blocks from the std::pmr::memory_resource given to the constructor (which must outlive the
// rings); the object itself is 48 bytes. Constructing throws what the resource throws (and
// gives back what it took).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <type_traits>

#include "orchestrix/detail/check.hpp"

namespace orchestrix::bus::detail {

// What try_claim() did.
enum class Claim : std::uint8_t { kClaimed, kFull, kStopped };

// REQUIRES of T: default constructible, trivially destructible, at most 56 bytes.
template <class T>
class MpscRings {
 public:
  // Set in a lane's tail once it was closed.
  static constexpr std::uint64_t kClosed = std::uint64_t{1} << 63;

  // REQUIRES: lanes >= 1, capacity >= 1 (DCHECKed).
  MpscRings(std::size_t lanes, std::size_t capacity, std::pmr::memory_resource* memory)
      : lanes_(lanes), capacity_(capacity), memory_(memory), tails_(make<Tail>(lanes)) {
    ORCHESTRIX_DCHECK_MSG(lanes >= 1 && capacity >= 1, "a ring set needs a lane and a cell");
    try {
      heads_ = make<std::atomic<std::uint64_t>>(lanes);
      try {
        cells_ = make<Cell>(lanes * capacity);
      } catch (...) {
        give_back(heads_, lanes);
        throw;
      }
    } catch (...) {
      give_back(tails_, lanes);
      throw;
    }
    for (std::size_t l = 0; l < lanes; ++l) {
      for (std::size_t i = 0; i < capacity; ++i) {
        cells_[l * capacity + i].seq.store(2 * i, std::memory_order_relaxed);
      }
    }
  }
  ~MpscRings() {
    give_back(cells_, lanes_ * capacity_);
    give_back(heads_, lanes_);
    give_back(tails_, lanes_);
  }
  MpscRings(const MpscRings&) = delete;
  MpscRings& operator=(const MpscRings&) = delete;

  std::size_t lanes() const noexcept { return lanes_; }
  std::size_t capacity() const noexcept { return capacity_; }

  // --- Producers ---

  // Claims the position at lane `l`'s tail (into `pos`) unless the lane is full or closed; on a
  // lost race `pos` is reloaded and we look again.
  Claim try_claim(std::size_t l, std::uint64_t& pos) noexcept {
    Tail& tail = tails_[l];
    pos = tail.word.load(std::memory_order_relaxed);
    for (;;) {
      if ((pos & kClosed) != 0) return Claim::kStopped;
      const std::uint64_t seq = cell(l, pos).seq.load(std::memory_order_acquire);
      if (seq == 2 * pos) {
        // Free: claim it. The claim is a seq_cst read-modify-write, which orders it before the
        // producer's later seq_cst operations (see the memory ordering above).
        if (tail.word.compare_exchange_weak(pos, pos + 1, std::memory_order_seq_cst,
                                            std::memory_order_relaxed)) {
          return Claim::kClaimed;
        }
      } else if (seq < 2 * pos) {
        return Claim::kFull;
      } else {
        pos = tail.word.load(std::memory_order_relaxed);  // another producer claimed `pos`
      }
    }
  }

  // The payload of position `pos` of lane `l`: the claiming producer's to write until it
  // publishes; the consumer's to read once filled() until it consumes.
  T& at(std::size_t l, std::uint64_t pos) noexcept { return cell(l, pos).value; }

  // Hands the claimed position `pos` of lane `l`, with its payload, to the consumer.
  void publish(std::size_t l, std::uint64_t pos) noexcept {
    cell(l, pos).seq.store(2 * pos + 1, std::memory_order_release);
  }

  // The word at lane `l`'s tail: the next position to claim, with kClosed once closed.
  std::uint64_t tail(std::size_t l, std::memory_order order) const noexcept {
    return tails_[l].word.load(order);
  }
  static constexpr bool closed(std::uint64_t tail) noexcept { return (tail & kClosed) != 0; }
  static constexpr std::uint64_t position(std::uint64_t tail) noexcept { return tail & ~kClosed; }

  // The cell of position `pos` of lane `l` is free for the producer that claims `pos` (for a
  // producer that found the lane full and waits for room at the tail it saw).
  bool room_at(std::size_t l, std::uint64_t pos, std::memory_order order) const noexcept {
    return cell(l, pos).seq.load(order) >= 2 * pos;
  }

  // Closes every lane: no claim succeeds from now on.
  void close() noexcept {
    for (std::size_t l = 0; l < lanes_; ++l) {
      tails_[l].word.fetch_or(kClosed, std::memory_order_seq_cst);
    }
  }

  // --- The consumer ---

  // Lane `l`'s next position to consume.
  std::uint64_t head(std::size_t l) const noexcept {
    return heads_[l].load(std::memory_order_relaxed);
  }

  // Position `pos` of lane `l` was published and not consumed yet.
  bool filled(std::size_t l, std::uint64_t pos) const noexcept {
    return cell(l, pos).seq.load(std::memory_order_acquire) == 2 * pos + 1;
  }

  // Lane `l`'s head position was published.
  bool ready(std::size_t l) const noexcept { return filled(l, head(l)); }

  // Frees the cell of position `pos` (lane `l`'s head, filled) for the next lap and moves the
  // head past it. The payload must not be read afterwards.
  void consume(std::size_t l, std::uint64_t pos) noexcept {
    cell(l, pos).seq.store(2 * (pos + capacity_), std::memory_order_release);
    heads_[l].store(pos + 1, std::memory_order_relaxed);
  }

  // Lane `l` has no claimed position left to consume and is not closed (seq_cst load).
  bool empty_and_open(std::size_t l) const noexcept {
    const std::uint64_t tail = tails_[l].word.load(std::memory_order_seq_cst);
    return !closed(tail) && tail == head(l);
  }

  // Lane `l` is closed and every position claimed in it was consumed.
  bool closed_and_drained(std::size_t l) const noexcept {
    const std::uint64_t tail = tails_[l].word.load(std::memory_order_acquire);
    return closed(tail) && position(tail) == head(l);
  }

 private:
  // One slot of a lane's ring, on a cache line of its own. Two producers claim neighbouring
  // positions; with four 16-byte cells per line, each publish would also pull the line away
  // from the other producer. Padding removes that false sharing at 4x the ring memory (64 bytes
  // per slot); docs/measurements/bus-scaling.md has the A/B runs of the two layouts.
  struct alignas(64) Cell {
    std::atomic<std::uint64_t> seq{0};
    T value{};
  };
  static_assert(sizeof(Cell) == 64, "the payload fits in the cell's cache line");
  static_assert(std::is_trivially_destructible_v<T>);

  // The tail of one lane: the only line that the lane's producers all write (a claim is one
  // compare-exchange on it), so it has a line of its own.
  struct alignas(64) Tail {
    std::atomic<std::uint64_t> word{0};
  };
  static_assert(sizeof(Tail) == 64);

  Cell& cell(std::size_t l, std::uint64_t pos) noexcept {
    return cells_[l * capacity_ + pos % capacity_];
  }
  const Cell& cell(std::size_t l, std::uint64_t pos) const noexcept {
    return cells_[l * capacity_ + pos % capacity_];
  }

  // `n` value-initialised objects in one block from memory_.
  template <class U>
  U* make(std::size_t n) {
    static_assert(std::is_trivially_destructible_v<U>);
    U* block = static_cast<U*>(memory_->allocate(n * sizeof(U), alignof(U)));
    std::uninitialized_value_construct_n(block, n);  // does not throw for these types
    return block;
  }
  template <class U>
  void give_back(U* block, std::size_t n) noexcept {
    memory_->deallocate(block, n * sizeof(U), alignof(U));
  }

  // Declared first: the blocks below are allocated from memory_ in the constructor's
  // initializer list.
  std::size_t lanes_;
  std::size_t capacity_;
  std::pmr::memory_resource* memory_;
  // Written by producers (claims) and by close().
  Tail* tails_ = nullptr;
  // Written by the consumer only.
  std::atomic<std::uint64_t>* heads_ = nullptr;
  // Lane l's ring is cells_[l * capacity_, (l + 1) * capacity_).
  Cell* cells_ = nullptr;
};

}  // namespace orchestrix::bus::detail
