#include <doctest/doctest.h>

#include <random>

#include "orchestrix/alloc/arena_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"

namespace oa = orchestrix::alloc;

TEST_CASE("An arena holds at most 1.10 times the bytes requested for 64-byte records") {
  oa::InstrumentedResource upstream(oa::system_resource());
  oa::ArenaResource arena(&upstream, {.block_bytes = 1 << 20});
  // warm-up: the first block
  for (int i = 0; i < 1000; ++i) (void)arena.allocate(64, 8);
  for (int i = 0; i < 200000; ++i) (void)arena.allocate(64, 8);
  const double requested = 201000.0 * 64;
  CHECK(static_cast<double>(upstream.bytes_live()) <= 1.10 * requested);
  CHECK(arena.stats().used_bytes == 201000u * 64);
  CHECK(arena.stats().reserved_bytes == upstream.bytes_live());
}

TEST_CASE("An arena holds at most 1.10 times the bytes requested for random small records") {
  oa::InstrumentedResource upstream(oa::system_resource());
  oa::ArenaResource arena(&upstream, {.block_bytes = 1 << 20});
  std::mt19937_64 rng(42);
  std::uint64_t requested = 0;
  for (int i = 0; i < 100000; ++i) {
    const std::size_t n = 16 + rng() % 241;  // 16..256 bytes, 8-aligned records
    (void)arena.allocate(n, 8);
    requested += n;
  }
  CHECK(static_cast<double>(upstream.bytes_live()) <= 1.10 * static_cast<double>(requested));
}

TEST_CASE("An oversized request gets a block of its own and the current block stays in use") {
  oa::InstrumentedResource upstream(oa::system_resource());
  oa::ArenaResource arena(&upstream, {.block_bytes = 64 * 1024});
  char* a = static_cast<char*>(arena.allocate(100, 8));
  (void)arena.allocate(20000, 8);  // > block_bytes / 4
  char* b = static_cast<char*>(arena.allocate(100, 8));
  CHECK(b == a + 104);  // the bump pointer went on in the same block
  const oa::ArenaStats s = arena.stats();
  CHECK(s.blocks == 1);
  CHECK(s.oversized_blocks == 1);
  CHECK(s.used_bytes == 20200);
  CHECK(s.reserved_bytes == upstream.bytes_live());
  CHECK(s.slack_bytes == s.reserved_bytes - s.used_bytes);
}

TEST_CASE("A request that does not fit the current block opens a new one") {
  oa::ArenaResource arena({.block_bytes = 4096});
  for (int i = 0; i < 10; ++i) (void)arena.allocate(1000, 8);
  const oa::ArenaStats s = arena.stats();
  CHECK(s.blocks == 3);  // four 1000-byte records fill a block (4096 - 32 bytes of header)
  CHECK(s.oversized_blocks == 0);
}

TEST_CASE("Arena deallocate frees nothing and release gives every block back") {
  oa::InstrumentedResource upstream(oa::system_resource());
  oa::ArenaResource arena(&upstream, {.block_bytes = 8192});
  void* p = arena.allocate(1000);
  (void)arena.allocate(100000);
  arena.deallocate(p, 1000);
  CHECK(arena.stats().used_bytes == 101000);
  arena.release();
  CHECK(upstream.bytes_live() == 0);
  const oa::ArenaStats s = arena.stats();
  CHECK(s.reserved_bytes == 0);
  CHECK(s.used_bytes == 0);
  CHECK(s.blocks == 0);
  CHECK(s.oversized_blocks == 0);
  (void)arena.allocate(10);  // reusable after release
  CHECK(arena.stats().blocks == 1);
}

TEST_CASE("Destroying an arena gives its blocks back to the upstream") {
  oa::InstrumentedResource upstream(oa::system_resource());
  {
    oa::ArenaResource arena(&upstream);
    for (int i = 0; i < 5000; ++i) (void)arena.allocate(100);
    CHECK(upstream.bytes_live() > 0);
  }
  CHECK(upstream.bytes_live() == 0);
}

TEST_CASE("An arena rejects blocks under 4096 bytes and a null upstream") {
  CHECK_THROWS_AS(oa::ArenaResource(oa::ArenaOptions{.block_bytes = 1000}),
                  orchestrix::InvalidArgument);
  CHECK_THROWS_AS(oa::ArenaResource(nullptr), orchestrix::InvalidArgument);
}
