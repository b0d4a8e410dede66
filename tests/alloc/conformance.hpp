// The typed conformance suite every memory resource must pass. Included by exactly one source
// file per test executable, which invokes it with that executable's fixtures:
//   TEST_CASE_TEMPLATE_INVOKE(resource_conformance_alignment, SystemFixture, ...);
// (and likewise for the other ids below). Fixed seeds throughout.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "fixtures.hpp"

namespace alloc_test {

struct Block {
  void* p;
  std::size_t bytes;
  std::size_t alignment;
  unsigned char tag;
};

inline bool is_aligned(const void* p, std::size_t alignment) {
  return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

inline void fill(const Block& b) { std::memset(b.p, b.tag, b.bytes); }

inline bool intact(const Block& b) {
  const auto* bytes = static_cast<const unsigned char*>(b.p);
  return std::all_of(bytes, bytes + b.bytes, [&](unsigned char c) { return c == b.tag; });
}

inline constexpr std::size_t kSizes[] = {1,
                                         3,
                                         8,
                                         24,
                                         64,
                                         100,
                                         1000,
                                         4096,
                                         5000,
                                         65536,
                                         100001,
                                         std::size_t{1} << 20,
                                         std::size_t{16} << 20};

}  // namespace alloc_test

TEST_CASE_TEMPLATE_DEFINE(
    "A resource returns writable blocks at every alignment from 1 to 4096 and size to 16 MiB", F,
    resource_conformance_alignment) {
  using namespace alloc_test;
  F fixture;
  Ledger ledger;
  unsigned char tag = 1;
  for (std::size_t bytes : kSizes) {
    for (std::size_t alignment = 1; alignment <= 4096; alignment *= 2) {
      Block b{fixture.resource().allocate(bytes, alignment), bytes, alignment, tag++};
      ledger.allocated(bytes);
      REQUIRE(b.p != nullptr);
      REQUIRE(is_aligned(b.p, alignment));
      fill(b);
      REQUIRE(intact(b));
      fixture.resource().deallocate(b.p, b.bytes, b.alignment);
      ledger.freed(bytes);
    }
    fixture.check(ledger);
    fixture.trim(ledger);
  }
}

TEST_CASE_TEMPLATE_DEFINE("A resource keeps random live blocks apart and reuses freed memory", F,
                          resource_conformance_random) {
  using namespace alloc_test;
  F fixture;
  Ledger ledger;
  std::mt19937_64 rng(20261127);
  std::vector<Block> live;
  unsigned char tag = 0;
  for (int op = 0; op < 20000; ++op) {
    const bool allocate = live.empty() || rng() % 100 < 55;
    if (allocate) {
      // log-uniform sizes from 1 byte to 64 KiB, alignments 1..256
      const std::size_t bytes = std::size_t{1} + rng() % (std::size_t{1} << (rng() % 17));
      const std::size_t alignment = std::size_t{1} << (rng() % 9);
      Block b{fixture.resource().allocate(bytes, alignment), bytes, alignment, ++tag};
      ledger.allocated(bytes);
      REQUIRE(is_aligned(b.p, alignment));
      fill(b);
      live.push_back(b);
    } else {
      const std::size_t index = rng() % live.size();
      const Block b = live[index];
      REQUIRE(intact(b));  // no other block overlapped it
      fixture.resource().deallocate(b.p, b.bytes, b.alignment);
      ledger.freed(b.bytes);
      live[index] = live.back();
      live.pop_back();
    }
    if (op % 500 == 0) fixture.check(ledger);
  }
  for (const Block& b : live) {
    REQUIRE(intact(b));
    fixture.resource().deallocate(b.p, b.bytes, b.alignment);
    ledger.freed(b.bytes);
  }
  fixture.check(ledger);
  CHECK(ledger.live_bytes == 0);
}

TEST_CASE_TEMPLATE_DEFINE("A resource serves a block of the same size again after a free", F,
                          resource_conformance_reuse) {
  using namespace alloc_test;
  F fixture;
  Ledger ledger;
  for (std::size_t bytes : {std::size_t{8}, std::size_t{64}, std::size_t{4096}}) {
    for (int round = 0; round < 100; ++round) {
      Block b{fixture.resource().allocate(bytes, 8), bytes, 8,
              static_cast<unsigned char>(round + 1)};
      ledger.allocated(bytes);
      fill(b);
      REQUIRE(intact(b));
      fixture.resource().deallocate(b.p, bytes, 8);
      ledger.freed(bytes);
    }
    fixture.check(ledger);
  }
}

TEST_CASE_TEMPLATE_DEFINE("A resource backs pmr containers and equals only compatible resources", F,
                          resource_conformance_containers) {
  F fixture;
  std::pmr::memory_resource& r = fixture.resource();
  CHECK(r.is_equal(r));
  CHECK(r == r);
  {
    std::pmr::vector<std::pmr::string> strings(&r);
    for (int i = 0; i < 1000; ++i) {
      strings.emplace_back("a string long enough to leave the small buffer #" + std::to_string(i));
    }
    CHECK(strings[999].get_allocator().resource() == &r);
    CHECK(strings[999].back() == '9');
  }
  std::pmr::monotonic_buffer_resource other;
  CHECK_FALSE(r.is_equal(other));
}
