#include "orchestrix/alloc/memory_stats.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "orchestrix/alloc/arena_resource.hpp"
#include "orchestrix/alloc/pool_resource.hpp"

using orchestrix::alloc::MemoryStats;
using orchestrix::alloc::SizeClassHistogram;

TEST_CASE("Size classes are powers of two with 0 and 1 byte in the first class") {
  CHECK(SizeClassHistogram::class_of(0) == 0);
  CHECK(SizeClassHistogram::class_of(1) == 0);
  CHECK(SizeClassHistogram::class_of(2) == 1);
  CHECK(SizeClassHistogram::class_of(3) == 2);
  CHECK(SizeClassHistogram::class_of(4) == 2);
  CHECK(SizeClassHistogram::class_of(64) == 6);
  CHECK(SizeClassHistogram::class_of(65) == 7);
  CHECK(SizeClassHistogram::class_of(std::size_t{1} << 30) == 30);
  CHECK(SizeClassHistogram::class_of((std::size_t{1} << 30) + 1) == 31);
  CHECK(SizeClassHistogram::class_of(SIZE_MAX) == SizeClassHistogram::kCount - 1);
  for (std::size_t i = 0; i + 1 < SizeClassHistogram::kCount; ++i) {
    CHECK(SizeClassHistogram::class_of(SizeClassHistogram::max_bytes_of(i)) == i);
  }
}

TEST_CASE("for_each_field visits every scalar field once in declaration order") {
  MemoryStats s;
  s.allocations = 1;
  s.failed_allocations = 2;
  s.deallocations = 3;
  s.bytes_requested = 4;
  s.bytes_deallocated = 5;
  s.bytes_live = 6;
  s.peak_bytes_live = 7;
  std::vector<std::string> names;
  std::vector<std::uint64_t> values;
  orchestrix::alloc::for_each_field(s, [&](const char* name, std::uint64_t value) {
    names.emplace_back(name);
    values.push_back(value);
  });
  CHECK(names == std::vector<std::string>{"allocations", "failed_allocations", "deallocations",
                                          "bytes_requested", "bytes_deallocated", "bytes_live",
                                          "peak_bytes_live"});
  CHECK(values == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("to_string prints every field and the non-empty size classes") {
  MemoryStats s;
  s.allocations = 3;
  s.bytes_live = 4242;
  s.size_classes.allocations[SizeClassHistogram::class_of(64)] = 3;
  const std::string text = orchestrix::alloc::to_string(s);
  CHECK(text.find("allocations: 3\n") != std::string::npos);
  CHECK(text.find("bytes_live: 4242\n") != std::string::npos);
  CHECK(text.find("peak_bytes_live: 0\n") != std::string::npos);
  CHECK(text.find("<= 64 B: 3\n") != std::string::npos);
  CHECK(text.find("<= 128 B") == std::string::npos);
}

TEST_CASE("to_json writes every field and the size classes as one JSON object") {
  MemoryStats s;
  s.deallocations = 9;
  s.size_classes.allocations[0] = 1;
  s.size_classes.allocations[SizeClassHistogram::kCount - 1] = 2;
  CHECK(orchestrix::alloc::to_json(s) ==
        "{\"allocations\":0,\"failed_allocations\":0,\"deallocations\":9,"
        "\"bytes_requested\":0,\"bytes_deallocated\":0,\"bytes_live\":0,\"peak_bytes_live\":0,"
        "\"size_classes\":[{\"max_bytes\":1,\"allocations\":1},"
        "{\"max_bytes\":null,\"allocations\":2}]}");
}

TEST_CASE("Arena and pool stats print and serialise every field of their field lists") {
  orchestrix::alloc::ArenaStats arena;
  arena.used_bytes = 10;
  arena.oversized_blocks = 2;
  CHECK(orchestrix::alloc::to_string(arena) ==
        "used_bytes: 10\nreserved_bytes: 0\nslack_bytes: 0\nblocks: 0\noversized_blocks: 2\n");
  CHECK(orchestrix::alloc::to_json(arena) ==
        "{\"used_bytes\":10,\"reserved_bytes\":0,\"slack_bytes\":0,\"blocks\":0,"
        "\"oversized_blocks\":2}");
  orchestrix::alloc::PoolStats pool;
  pool.free_slots = 7;
  const std::string json = orchestrix::alloc::to_json(pool);
  CHECK(json.front() == '{');
  CHECK(json.back() == '}');
  CHECK(json.find("\"free_slots\":7") != std::string::npos);
  int fields = 0;
  orchestrix::alloc::for_each_field(pool, [&](const char*, std::uint64_t) { ++fields; });
  CHECK(fields == 8);
  CHECK(orchestrix::alloc::to_string(pool).find("free_slots: 7\n") != std::string::npos);
}
