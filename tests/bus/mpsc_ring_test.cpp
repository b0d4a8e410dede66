// MpscRings (engine/bus/src/async/mpsc_rings.hpp): the async bus's lock-free lanes on their own.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <thread>
#include <vector>

#include "async/mpsc_rings.hpp"

using orchestrix::bus::detail::Claim;
using Rings = orchestrix::bus::detail::MpscRings<std::uint64_t>;

namespace {

// Claims, fills and publishes one position of lane `l`; false if the lane is full or closed.
bool try_push(Rings& rings, std::size_t l, std::uint64_t value, Claim* outcome = nullptr) {
  std::uint64_t pos = 0;
  const Claim claim = rings.try_claim(l, pos);
  if (outcome != nullptr) *outcome = claim;
  if (claim != Claim::kClaimed) return false;
  rings.at(l, pos) = value;
  rings.publish(l, pos);
  return true;
}

// Takes the head of lane `l` (the consumer's side); REQUIRES: rings.ready(l).
std::uint64_t pop(Rings& rings, std::size_t l) {
  const std::uint64_t head = rings.head(l);
  REQUIRE(rings.filled(l, head));
  const std::uint64_t value = rings.at(l, head);
  rings.consume(l, head);
  return value;
}

// A producer's item: its index in the high half, its sequence number in the low half.
constexpr std::uint64_t item(std::uint64_t producer, std::uint64_t seq) {
  return producer << 32 | seq;
}

}  // namespace

TEST_CASE("a ring lane is FIFO and holds at most its capacity") {
  Rings rings(1, 4, std::pmr::new_delete_resource());
  CHECK(rings.lanes() == 1);
  CHECK(rings.capacity() == 4);
  CHECK(rings.empty_and_open(0));
  CHECK_FALSE(rings.ready(0));

  for (std::uint64_t v = 10; v < 14; ++v) CHECK(try_push(rings, 0, v));
  CHECK_FALSE(rings.empty_and_open(0));
  Claim claim = Claim::kClaimed;
  CHECK_FALSE(try_push(rings, 0, 99, &claim));
  CHECK(claim == Claim::kFull);
  CHECK(Rings::position(rings.tail(0, std::memory_order_relaxed)) == 4);  // the failure took none
  CHECK_FALSE(rings.room_at(0, 4, std::memory_order_seq_cst));

  CHECK(pop(rings, 0) == 10);  // frees one cell: position 4 fits again, position 5 does not
  CHECK(rings.room_at(0, 4, std::memory_order_seq_cst));
  CHECK(try_push(rings, 0, 14));
  CHECK_FALSE(try_push(rings, 0, 99, &claim));
  CHECK(claim == Claim::kFull);

  for (std::uint64_t v = 11; v < 15; ++v) CHECK(pop(rings, 0) == v);
  CHECK_FALSE(rings.ready(0));
  CHECK(rings.empty_and_open(0));
  CHECK(rings.head(0) == 5);
}

TEST_CASE("a claimed position holds back the consumer until it is published") {
  Rings rings(1, 4, std::pmr::new_delete_resource());
  std::uint64_t first = 0;
  REQUIRE(rings.try_claim(0, first) == Claim::kClaimed);
  CHECK(try_push(rings, 0, 2));  // a later producer publishes first
  CHECK_FALSE(rings.ready(0));   // the head is claimed, not filled
  CHECK_FALSE(rings.empty_and_open(0));
  CHECK(rings.filled(0, first + 1));
  rings.at(0, first) = 1;
  rings.publish(0, first);
  CHECK(pop(rings, 0) == 1);
  CHECK(pop(rings, 0) == 2);
}

TEST_CASE("ring lanes wrap around over many laps, down to a capacity of one") {
  for (std::size_t capacity : {1U, 3U, 8U}) {
    CAPTURE(capacity);
    Rings rings(1, capacity, std::pmr::new_delete_resource());
    std::uint64_t pushed = 0;
    std::uint64_t popped = 0;
    constexpr std::uint64_t kItems = 10'000;
    // Fill to a varying level, then drain part of it, so the head and tail meet every cell
    // at every lap in both states.
    while (popped < kItems) {
      const std::uint64_t burst = 1 + pushed % (capacity + 1);
      for (std::uint64_t i = 0; i < burst && pushed < kItems; ++i) {
        if (!try_push(rings, 0, pushed)) break;
        ++pushed;
      }
      CHECK(pushed - popped <= capacity);
      const std::uint64_t take = 1 + popped % 2;
      for (std::uint64_t i = 0; i < take && rings.ready(0); ++i) {
        const std::uint64_t value = pop(rings, 0);
        if (value != popped) {
          FAIL("expected " << popped << ", got " << value);
        }
        ++popped;
      }
    }
    CHECK(pushed == kItems);
    CHECK(rings.head(0) == kItems);
    CHECK(rings.empty_and_open(0));
  }
}

TEST_CASE("ring lanes are independent queues") {
  Rings rings(3, 2, std::pmr::new_delete_resource());
  CHECK(try_push(rings, 0, 1));
  CHECK(try_push(rings, 0, 2));
  CHECK_FALSE(try_push(rings, 0, 3));  // lane 0 is full
  CHECK(try_push(rings, 2, 20));       // lane 2 is not
  CHECK_FALSE(rings.ready(1));
  CHECK(rings.empty_and_open(1));
  CHECK(pop(rings, 2) == 20);
  CHECK(pop(rings, 0) == 1);
  CHECK(pop(rings, 0) == 2);
  CHECK(rings.head(1) == 0);
}

TEST_CASE("closing ring lanes stops claims and keeps what was claimed before") {
  Rings rings(2, 4, std::pmr::new_delete_resource());
  CHECK(try_push(rings, 0, 1));
  std::uint64_t pending = 0;
  REQUIRE(rings.try_claim(0, pending) == Claim::kClaimed);  // claimed, not yet published
  CHECK_FALSE(rings.closed_and_drained(1));                 // not closed yet

  rings.close();
  for (std::size_t l : {0U, 1U}) {
    CHECK(Rings::closed(rings.tail(l, std::memory_order_relaxed)));
    CHECK_FALSE(rings.empty_and_open(l));
    Claim claim = Claim::kClaimed;
    CHECK_FALSE(try_push(rings, l, 7, &claim));  // room, but closed
    CHECK(claim == Claim::kStopped);
  }
  CHECK(Rings::position(rings.tail(0, std::memory_order_relaxed)) == 2);
  CHECK(rings.closed_and_drained(1));  // nothing was claimed in lane 1

  CHECK(pop(rings, 0) == 1);
  CHECK_FALSE(rings.closed_and_drained(0));  // the pending claim still has to come
  rings.at(0, pending) = 2;
  rings.publish(0, pending);
  CHECK(pop(rings, 0) == 2);
  CHECK(rings.closed_and_drained(0));
  rings.close();  // closing again changes nothing
  CHECK(Rings::position(rings.tail(0, std::memory_order_relaxed)) == 2);
  CHECK(rings.closed_and_drained(0));
}

TEST_CASE("ring memory comes from the given resource, one cache line per cell") {
  struct Counting : std::pmr::memory_resource {
    std::size_t live = 0;
    std::size_t blocks = 0;
    void* do_allocate(std::size_t bytes, std::size_t align) override {
      live += bytes;
      ++blocks;
      return std::pmr::new_delete_resource()->allocate(bytes, align);
    }
    void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
      live -= bytes;
      --blocks;
      std::pmr::new_delete_resource()->deallocate(p, bytes, align);
    }
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
      return this == &other;
    }
  } memory;
  {
    Rings rings(3, 5, &memory);
    CHECK(memory.blocks == 3);                          // tails, heads, cells
    CHECK(memory.live == 3 * 64 + 3 * 8 + 3 * 5 * 64);  // per lane 72, per cell 64
    if constexpr (sizeof(void*) == 8) CHECK(sizeof(Rings) == 48);
  }
  CHECK(memory.live == 0);
  CHECK(memory.blocks == 0);
}

TEST_CASE("ring producers racing on one lane: each producer's items arrive in order, once") {
  constexpr std::uint64_t kProducers = 4;
  constexpr std::uint64_t kPerProducer = 20'000;
  Rings rings(1, 8, std::pmr::new_delete_resource());  // small: producers often find it full
  std::atomic<bool> go{false};
  std::vector<std::thread> producers;
  for (std::uint64_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&rings, &go, p] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint64_t seq = 0; seq < kPerProducer;) {
        if (try_push(rings, 0, item(p, seq))) {
          ++seq;
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  go.store(true, std::memory_order_release);
  std::vector<std::uint64_t> next(kProducers, 0);
  std::uint64_t mismatches = 0;
  for (std::uint64_t taken = 0; taken < kProducers * kPerProducer;) {
    if (!rings.ready(0)) {
      std::this_thread::yield();
      continue;
    }
    const std::uint64_t value = pop(rings, 0);
    const std::uint64_t p = value >> 32;
    if (p >= kProducers || (value & 0xffff'ffffU) != next[p]) {
      ++mismatches;
    } else {
      ++next[p];
    }
    ++taken;
  }
  for (auto& t : producers) t.join();
  CHECK(mismatches == 0);
  for (std::uint64_t p = 0; p < kProducers; ++p) CHECK(next[p] == kPerProducer);
  CHECK_FALSE(rings.ready(0));
  CHECK(rings.empty_and_open(0));
  CHECK(Rings::position(rings.tail(0, std::memory_order_relaxed)) == kProducers * kPerProducer);
}

TEST_CASE("ring producers racing a close: every position claimed before it is consumed") {
  constexpr std::uint64_t kProducers = 4;
  constexpr std::size_t kLanes = 2;
  constexpr std::uint64_t kCloseAfter = 5'000;  // items taken before the consumer closes
  Rings rings(kLanes, 4, std::pmr::new_delete_resource());
  std::vector<std::uint64_t> pushed(kProducers, 0);  // each written by its producer only
  std::vector<std::thread> producers;
  for (std::uint64_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&rings, &pushed, p] {
      const std::size_t lane = p % kLanes;  // two producers per lane
      std::uint64_t seq = 0;
      for (;;) {
        Claim claim = Claim::kClaimed;
        if (try_push(rings, lane, item(p, seq), &claim)) {
          ++seq;
        } else if (claim == Claim::kStopped) {
          break;
        } else {
          std::this_thread::yield();
        }
      }
      pushed[p] = seq;
    });
  }
  std::vector<std::uint64_t> next(kProducers, 0);
  std::uint64_t mismatches = 0;
  std::uint64_t taken = 0;
  bool closed = false;
  for (;;) {
    bool took = false;
    for (std::size_t l = 0; l < kLanes; ++l) {
      while (rings.ready(l)) {
        const std::uint64_t value = pop(rings, l);
        const std::uint64_t p = value >> 32;
        if (p >= kProducers || p % kLanes != l || (value & 0xffff'ffffU) != next[p]) {
          ++mismatches;
        } else {
          ++next[p];
        }
        ++taken;
        took = true;
      }
    }
    if (!closed && taken >= kCloseAfter) {
      rings.close();
      closed = true;
    }
    if (closed && rings.closed_and_drained(0) && rings.closed_and_drained(1)) break;
    if (!took) std::this_thread::yield();
  }
  for (auto& t : producers) t.join();
  CHECK(mismatches == 0);
  std::uint64_t total = 0;
  for (std::uint64_t p = 0; p < kProducers; ++p) {
    CHECK(next[p] == pushed[p]);  // every item a producer got in was consumed, in order
    total += pushed[p];
  }
  CHECK(total == taken);
  CHECK(total >= kCloseAfter);
}
