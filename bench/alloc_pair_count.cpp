// Runs N allocate + deallocate pairs (64 bytes, alignment 8) through one named resource, for
// instruction counts that do not depend on machine noise:
//
//   for r in new_delete instrumented budget failing pool pool_unsync system; do
//     for n in 0 1000000; do
//       valgrind --tool=callgrind --callgrind-out-file=/dev/null alloc_pair_count $r $n 2>&1 |
//         grep refs
//     done
//   done
//
// (instructions per pair) = (Ir at N=1000000 - Ir at N=0) / 1000000. The decorators run over
// new_delete, so their line minus new_delete's is their own cost. tools: see docs/allocators.md.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <memory_resource>
#include <string_view>

#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/pool_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"

namespace oa = orchestrix::alloc;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr,
                 "usage: %s new_delete|system|instrumented|budget|failing|pool|pool_unsync N\n",
                 argv[0]);
    return 2;
  }
  const std::string_view name = argv[1];
  const long n = std::atol(argv[2]);
  std::pmr::memory_resource* base = std::pmr::new_delete_resource();
  std::unique_ptr<std::pmr::memory_resource> owned;
  if (name == "system") {
    base = oa::system_resource();
  } else if (name == "instrumented") {
    owned = std::make_unique<oa::InstrumentedResource>(base);
  } else if (name == "budget") {
    owned = std::make_unique<oa::BudgetResource>(base, std::size_t{1} << 30);
  } else if (name == "failing") {
    owned = std::make_unique<oa::FailingResource>(base, 0);
  } else if (name == "pool") {
    owned = std::make_unique<oa::PoolResource>();
  } else if (name == "pool_unsync") {
    owned = std::make_unique<oa::PoolResource>(oa::PoolOptions{.thread_safe = false});
  } else if (name != "new_delete") {
    std::fprintf(stderr, "unknown resource %s\n", argv[1]);
    return 2;
  }
  std::pmr::memory_resource* r = owned ? owned.get() : base;
  // One warm-up pair so that N = 0 and N > 0 differ only by the loop.
  r->deallocate(r->allocate(64, 8), 64, 8);
  for (long i = 0; i < n; ++i) {
    void* p = r->allocate(64, 8);
    asm volatile("" : : "g"(p) : "memory");
    r->deallocate(p, 64, 8);
  }
  std::printf("%s %ld\n", argv[1], n);
  return 0;
}
