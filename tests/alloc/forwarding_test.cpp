// The decorators' common base: upstream check, forwarding and identity, for all three.
#include <doctest/doctest.h>

#include <memory_resource>
#include <stdexcept>
#include <string>

#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/forwarding_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/errors.hpp"

namespace oa = orchestrix::alloc;

namespace {

// Counts what reaches it; serves from new_delete_resource().
class CountingUpstream : public std::pmr::memory_resource {
 public:
  int allocations = 0;
  int deallocations = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    ++allocations;
    return std::pmr::new_delete_resource()->allocate(bytes, alignment);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    ++deallocations;
    std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

template <class Decorator>
std::string null_upstream_message(auto... args) {
  try {
    Decorator d(nullptr, args...);
  } catch (const orchestrix::InvalidArgument& e) {
    return e.what();
  }
  return "no exception";
}

template <class Decorator>
void check_forwards(auto... args) {
  CountingUpstream up;
  Decorator a(&up, args...);
  Decorator b(&up, args...);
  const oa::ForwardingResource& base = a;
  CHECK(base.upstream() == &up);
  void* p = a.allocate(48, 16);
  CHECK(up.allocations == 1);
  a.deallocate(p, 48, 16);
  CHECK(up.deallocations == 1);
  CHECK(a.is_equal(a));
  CHECK_FALSE(a.is_equal(b));  // blocks must go back through the decorator that took them
  CHECK_FALSE(a.is_equal(up));
}

}  // namespace

TEST_CASE("every decorator refuses a null upstream and names itself") {
  CHECK(null_upstream_message<oa::InstrumentedResource>() ==
        "InstrumentedResource: upstream must not be null");
  CHECK(null_upstream_message<oa::BudgetResource>(std::size_t{1024}) ==
        "BudgetResource: upstream must not be null");
  CHECK(null_upstream_message<oa::FailingResource>() ==
        "FailingResource: upstream must not be null");
}

TEST_CASE("every decorator forwards both calls to its upstream and equals only itself") {
  check_forwards<oa::InstrumentedResource>();
  check_forwards<oa::BudgetResource>(std::size_t{1024});
  check_forwards<oa::FailingResource>();
}
