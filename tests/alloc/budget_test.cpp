#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"

namespace oa = orchestrix::alloc;

TEST_CASE("The budget refuses a request past the cap with the right numbers and changes nothing") {
  oa::InstrumentedResource upstream(oa::system_resource());
  oa::BudgetResource budget(&upstream, 1000);
  void* a = budget.allocate(600);
  bool refused = false;
  try {
    (void)budget.allocate(500);
  } catch (const oa::BudgetExceeded& e) {
    refused = true;
    CHECK(e.requested() == 500);
    CHECK(e.limit() == 1000);
    CHECK(e.live() == 600);
    const std::string what = e.what();
    CHECK(what.find("500") != std::string::npos);
    CHECK(what.find("600") != std::string::npos);
    CHECK(what.find("1000") != std::string::npos);
  }
  CHECK(refused);
  CHECK(budget.bytes_live() == 600);
  CHECK(upstream.stats().allocations == 1);  // the upstream was never asked

  SUBCASE("and keeps working below it, up to exactly the limit") {
    void* b = budget.allocate(400);
    CHECK(budget.bytes_live() == 1000);
    CHECK_THROWS_AS((void)budget.allocate(1), oa::BudgetExceeded);
    budget.deallocate(b, 400);
  }
  SUBCASE("and admits the request once enough is freed") {
    budget.deallocate(a, 600);
    a = budget.allocate(500);
    CHECK(budget.bytes_live() == 500);
    budget.deallocate(a, 500);
    a = budget.allocate(600);
  }
  budget.deallocate(a, 600);
  CHECK(budget.bytes_live() == 0);
  CHECK(upstream.bytes_live() == 0);
}

TEST_CASE("BudgetExceeded is a std::bad_alloc, so pmr containers report it as one") {
  oa::BudgetResource budget(oa::system_resource(), 4096);
  std::pmr::vector<char> v(&budget);
  CHECK_THROWS_AS(v.resize(8192), std::bad_alloc);
  CHECK(v.empty());
  CHECK(budget.bytes_live() == 0);
  v.resize(4000);
  CHECK(budget.bytes_live() == 4000);
}

TEST_CASE("Lowering the limit below the live bytes refuses requests until enough is freed") {
  oa::BudgetResource budget(oa::system_resource(), 1000);
  void* a = budget.allocate(800);
  budget.set_limit(500);
  CHECK(budget.limit() == 500);
  budget.check_invariants();  // 800 live over a limit of 500 is allowed: it was live before
  CHECK_THROWS_AS((void)budget.allocate(1), oa::BudgetExceeded);
  budget.deallocate(a, 800);
  void* b = budget.allocate(500);
  budget.check_invariants();
  budget.deallocate(b, 500);
}

TEST_CASE("An upstream failure under the budget rolls the reservation back") {
  oa::FailingResource failing(oa::system_resource(), 1);
  oa::BudgetResource budget(&failing, 1000);
  CHECK_THROWS_AS((void)budget.allocate(100), oa::InjectedAllocationFailure);
  CHECK(budget.bytes_live() == 0);
  budget.check_invariants();
  void* p = budget.allocate(1000);
  CHECK(budget.bytes_live() == 1000);
  budget.check_invariants();
  budget.deallocate(p, 1000);
}

TEST_CASE("A request larger than the whole address space is refused without overflow") {
  oa::BudgetResource budget(oa::system_resource(), 1000);
  void* a = budget.allocate(10);
  // A runtime value, so the compiler does not reject the deliberately impossible size.
  const std::size_t huge = SIZE_MAX - budget.bytes_live();
  CHECK_THROWS_AS((void)budget.allocate(huge), oa::BudgetExceeded);
  CHECK(budget.bytes_live() == 10);
  budget.deallocate(a, 10);
}
