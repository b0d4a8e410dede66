#include "orchestrix/alloc/registry.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "orchestrix/alloc/arena_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/pool_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"

namespace oa = orchestrix::alloc;

TEST_CASE("The registry lists system, arena and pool first") {
  const auto names = oa::resource_names();
  REQUIRE(names.size() >= 3);
  CHECK(names[0] == "system");
  CHECK(names[1] == "arena");
  CHECK(names[2] == "pool");
  CHECK(std::find(names.begin(), names.end(), "mimalloc") == names.end());
}

TEST_CASE("make_resource builds a working resource of the named kind") {
  for (std::string_view name : {"system", "arena", "pool"}) {
    auto r = oa::make_resource(name);
    REQUIRE(r != nullptr);
    void* p = r->allocate(100, 16);
    std::fill_n(static_cast<char*>(p), 100, 'x');
    r->deallocate(p, 100, 16);
  }
  CHECK(dynamic_cast<oa::SystemResource*>(oa::make_resource("system").get()) != nullptr);
  CHECK(dynamic_cast<oa::ArenaResource*>(oa::make_resource("arena").get()) != nullptr);
  CHECK(dynamic_cast<oa::PoolResource*>(oa::make_resource("pool").get()) != nullptr);
}

TEST_CASE("make_resource feeds arena and pool from the given upstream") {
  oa::InstrumentedResource upstream(oa::system_resource());
  {
    auto arena = oa::make_resource("arena", &upstream);
    (void)arena->allocate(10);
    CHECK(upstream.stats().allocations == 1);
    auto pool = oa::make_resource("pool", &upstream);
    (void)pool->allocate(10);
    CHECK(upstream.stats().allocations == 2);
  }
  CHECK(upstream.bytes_live() == 0);
}

TEST_CASE("An unknown resource name throws an error that lists the valid names") {
  try {
    (void)oa::make_resource("glibc");
    FAIL("no exception");
  } catch (const oa::UnknownResource& e) {
    const std::string what = e.what();
    CHECK(e.name() == "glibc");
    CHECK(what.find("\"glibc\"") != std::string::npos);
    CHECK(what.find("system, arena, pool") != std::string::npos);
  }
}

TEST_CASE("Asking for mimalloc where it is not linked explains how to get it") {
  try {
    (void)oa::make_resource("mimalloc");
    FAIL("no exception");
  } catch (const orchestrix::InvalidArgument& e) {
    CHECK(std::string(e.what()).find("orchestrix::mimalloc") != std::string::npos);
  }
}

namespace {
std::unique_ptr<std::pmr::memory_resource> make_counting(std::pmr::memory_resource* upstream) {
  return std::make_unique<oa::InstrumentedResource>(upstream != nullptr ? upstream
                                                                        : oa::system_resource());
}
}  // namespace

TEST_CASE("register_resource adds a name that make_resource then knows") {
  oa::register_resource("counting-test", &make_counting);
  oa::register_resource("counting-test", &make_counting);  // idempotent
  const auto names = oa::resource_names();
  CHECK(std::count(names.begin(), names.end(), "counting-test") == 1);
  auto r = oa::make_resource("counting-test");
  CHECK(dynamic_cast<oa::InstrumentedResource*>(r.get()) != nullptr);
}
