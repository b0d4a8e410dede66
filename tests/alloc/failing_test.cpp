#include <doctest/doctest.h>

#include <vector>

#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"

namespace oa = orchestrix::alloc;

namespace {

// Runs `calls` allocations and returns the 1-based numbers of the ones that threw.
std::vector<std::uint64_t> failed_calls(oa::FailingResource& r, int calls) {
  std::vector<std::uint64_t> failed;
  for (int i = 1; i <= calls; ++i) {
    try {
      void* p = r.allocate(16);
      r.deallocate(p, 16);
    } catch (const oa::InjectedAllocationFailure& e) {
      CHECK(e.call() == static_cast<std::uint64_t>(i));
      failed.push_back(static_cast<std::uint64_t>(i));
    }
  }
  return failed;
}

}  // namespace

TEST_CASE("The failing resource fails exactly the Nth allocate call") {
  oa::FailingResource r(oa::system_resource());
  for (std::uint64_t n = 1; n <= 12; ++n) {
    r.set_fail_at(n);
    CHECK(failed_calls(r, 12) == std::vector<std::uint64_t>{n});
    CHECK(r.allocate_calls() == 12);
    CHECK(r.injected_failures() == 1);
  }
}

TEST_CASE("The failing resource never fails with fail_at 0") {
  oa::FailingResource r(oa::system_resource(), 0);
  CHECK(failed_calls(r, 50).empty());
  CHECK(r.allocate_calls() == 50);
}

TEST_CASE("In FromNthOn mode call N and every later call fail") {
  oa::FailingResource r(oa::system_resource(), 4, oa::FailMode::kFromNthOn);
  CHECK(failed_calls(r, 7) == std::vector<std::uint64_t>{4, 5, 6, 7});
  CHECK(r.injected_failures() == 4);
}

TEST_CASE("set_fail_at restarts the call numbering and the failure count") {
  oa::FailingResource r(oa::system_resource(), 2);
  CHECK(failed_calls(r, 3) == std::vector<std::uint64_t>{2});
  r.set_fail_at(1);
  CHECK(r.allocate_calls() == 0);
  CHECK(r.injected_failures() == 0);
  CHECK(failed_calls(r, 3) == std::vector<std::uint64_t>{1});
  CHECK(r.fail_at() == 1);
  CHECK(r.mode() == oa::FailMode::kOnce);
}

TEST_CASE("The failing resource forwards every deallocation to its upstream") {
  oa::InstrumentedResource upstream(oa::system_resource());
  oa::FailingResource r(&upstream, 3);
  std::vector<void*> held;
  for (int i = 0; i < 5; ++i) {
    try {
      held.push_back(r.allocate(32));
    } catch (const std::bad_alloc&) {
    }
  }
  CHECK(held.size() == 4);
  CHECK(upstream.bytes_live() == 4 * 32);
  upstream.check_invariants();
  for (void* p : held) r.deallocate(p, 32);
  CHECK(upstream.bytes_live() == 0);
  upstream.check_invariants();
}
