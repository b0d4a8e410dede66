// The mimalloc resource, in an executable of its own: linking orchestrix::mimalloc replaces
// malloc and operator new for this whole process (see mimalloc_resource.hpp).
#include <mimalloc.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "conformance.hpp"
#include "orchestrix/alloc/mimalloc_resource.hpp"
#include "orchestrix/alloc/process_memory.hpp"
#include "orchestrix/alloc/registry.hpp"

namespace oa = orchestrix::alloc;

namespace alloc_test {
struct MimallocFixture {
  static constexpr bool kThreadSafe = true;
  std::pmr::memory_resource& resource() { return r; }
  void check(const Ledger&) {}
  void trim(const Ledger&) {}
  oa::MimallocResource r;
};
}  // namespace alloc_test
TYPE_TO_STRING(alloc_test::MimallocFixture);

using alloc_test::MimallocFixture;

TEST_CASE_TEMPLATE_INVOKE(resource_conformance_alignment, MimallocFixture);
TEST_CASE_TEMPLATE_INVOKE(resource_conformance_random, MimallocFixture);
TEST_CASE_TEMPLATE_INVOKE(resource_conformance_reuse, MimallocFixture);
TEST_CASE_TEMPLATE_INVOKE(resource_conformance_containers, MimallocFixture);

TEST_CASE("mimalloc blocks come from mimalloc") {
  void* p = oa::mimalloc_resource()->allocate(100, 64);
  CHECK(mi_is_in_heap_region(p));
  CHECK(mi_usable_size(p) >= 100);
  oa::mimalloc_resource()->deallocate(p, 100, 64);
}

TEST_CASE("mimalloc resources are interchangeable") {
  oa::MimallocResource a, b;
  CHECK(a.is_equal(b));
  void* p = a.allocate(32);
  b.deallocate(p, 32);
}

TEST_CASE("A mimalloc block allocated on one thread may be freed on another") {
  std::vector<void*> blocks;
  std::thread producer([&] {
    for (int i = 0; i < 1000; ++i) blocks.push_back(oa::mimalloc_resource()->allocate(64 + i));
  });
  producer.join();
  std::thread consumer([&] {
    for (int i = 0; i < 1000; ++i) oa::mimalloc_resource()->deallocate(blocks[i], 64 + i);
  });
  consumer.join();
  CHECK(blocks.size() == 1000);
}

TEST_CASE("register_mimalloc_resource makes mimalloc a registry name") {
  oa::register_mimalloc_resource();
  oa::register_mimalloc_resource();  // idempotent
  const auto names = oa::resource_names();
  CHECK(std::count(names.begin(), names.end(), "mimalloc") == 1);
  auto r = oa::make_resource("mimalloc");
  CHECK(dynamic_cast<oa::MimallocResource*>(r.get()) != nullptr);
  void* p = r->allocate(10);
  r->deallocate(p, 10);
}

TEST_CASE("linking orchestrix::mimalloc maps libmimalloc into the process") {
  CHECK(oa::mapped_malloc() == "mimalloc");
}
