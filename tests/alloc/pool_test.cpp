#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/pool_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"

namespace oa = orchestrix::alloc;

TEST_CASE("A freed pool slot is reused by the next request of its class") {
  oa::PoolResource pool;
  void* a = pool.allocate(64);
  void* b = pool.allocate(64);
  pool.deallocate(a, 64);
  CHECK(pool.allocate(60) == a);  // 60 and 64 share the 64-byte class
  pool.deallocate(a, 60);
  pool.deallocate(b, 64);
}

TEST_CASE("release_empty_slabs gives every empty slab back to the upstream") {
  oa::InstrumentedResource upstream(oa::system_resource());
  oa::PoolResource pool(&upstream, {.slab_bytes = 64 * 1024});
  std::vector<void*> held;
  for (int i = 0; i < 10000; ++i) held.push_back(pool.allocate(64));
  const oa::PoolStats full = pool.stats();
  CHECK(full.slabs >= 10);
  CHECK(full.reserved_bytes == upstream.bytes_live());
  for (void* p : held) pool.deallocate(p, 64);
  const oa::PoolStats drained = pool.stats();
  CHECK(drained.empty_slabs == drained.slabs);
  CHECK(drained.used_bytes == 0);
  CHECK(pool.release_empty_slabs() == full.reserved_bytes);
  CHECK(upstream.bytes_live() == 0);
  const oa::PoolStats after = pool.stats();
  CHECK(after.slabs == 0);
  CHECK(after.free_slots == 0);
  CHECK(after.reserved_bytes == 0);
}

TEST_CASE("release_empty_slabs keeps every slab with a slot in use") {
  oa::InstrumentedResource upstream(oa::system_resource());
  oa::PoolResource pool(&upstream, {.slab_bytes = 4096, .max_slot_bytes = 512});
  std::vector<void*> held;
  for (int i = 0; i < 200; ++i) held.push_back(pool.allocate(100));
  // free all but every 50th slot, so a few slabs keep one slot in use
  for (std::size_t i = 0; i < held.size(); ++i) {
    if (i % 50 != 0) pool.deallocate(held[i], 100);
  }
  const oa::PoolStats before = pool.stats();
  pool.release_empty_slabs();
  const oa::PoolStats after = pool.stats();
  CHECK(after.empty_slabs == 0);
  CHECK(after.slabs == before.slabs - before.empty_slabs);
  CHECK(after.requested_bytes == 4 * 100);
  for (std::size_t i = 0; i < held.size(); i += 50) pool.deallocate(held[i], 100);
  pool.release_empty_slabs();
  CHECK(upstream.bytes_live() == 0);
}

TEST_CASE("Pool requests above max_slot_bytes go straight to the upstream") {
  oa::InstrumentedResource upstream(oa::system_resource());
  oa::PoolResource pool(&upstream, {.max_slot_bytes = 1024});
  void* p = pool.allocate(5000, 16);
  CHECK(upstream.stats().allocations == 1);
  CHECK(upstream.bytes_live() == 5000);
  CHECK(pool.stats().large_bytes == 5000);
  CHECK(pool.stats().large_allocations == 1);
  CHECK(pool.stats().slabs == 0);
  pool.deallocate(p, 5000, 16);
  CHECK(upstream.bytes_live() == 0);
  CHECK(pool.stats().large_allocations == 0);
}

TEST_CASE("Pool slots round each request up by at most a quarter above 128 bytes") {
  oa::PoolResource pool;
  for (std::size_t n = 1; n <= 4096; ++n) {
    void* p = pool.allocate(n);
    const oa::PoolStats s = pool.stats();
    REQUIRE(s.used_bytes >= n);
    REQUIRE(s.used_bytes - n <= std::max<std::size_t>(15, n / 4));
    pool.deallocate(p, n);
  }
}

TEST_CASE("Over-aligned pool requests get a slot that honours the alignment") {
  oa::PoolResource pool;
  for (std::size_t alignment = 16; alignment <= 4096; alignment *= 2) {
    void* p = pool.allocate(24, alignment);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % alignment == 0);
    pool.deallocate(p, 24, alignment);
  }
}

TEST_CASE("Pool free slots plus slots in use make up every held slab") {
  oa::PoolResource pool({.slab_bytes = 4096, .max_slot_bytes = 256});
  std::vector<void*> held;
  for (int i = 0; i < 100; ++i) held.push_back(pool.allocate(32));
  const oa::PoolStats s = pool.stats();
  const std::uint64_t capacity_per_slab = (4096 - 64) / 32;  // header padded to 64
  CHECK(s.free_slots + 100 == s.slabs * capacity_per_slab);
  for (void* p : held) pool.deallocate(p, 32);
  CHECK(pool.stats().free_slots == s.slabs * capacity_per_slab);
}

TEST_CASE("A pool rejects options outside the documented ranges") {
  CHECK_THROWS_AS(oa::PoolResource(oa::PoolOptions{.slab_bytes = 5000}),
                  orchestrix::InvalidArgument);
  CHECK_THROWS_AS(oa::PoolResource(oa::PoolOptions{.slab_bytes = 2048}),
                  orchestrix::InvalidArgument);
  CHECK_THROWS_AS(oa::PoolResource(oa::PoolOptions{.max_slot_bytes = 100}),
                  orchestrix::InvalidArgument);
  CHECK_THROWS_AS(oa::PoolResource(oa::PoolOptions{.slab_bytes = 4096, .max_slot_bytes = 4096}),
                  orchestrix::InvalidArgument);
  CHECK_THROWS_AS(oa::PoolResource(nullptr), orchestrix::InvalidArgument);
}
