// ORCHESTRIX_DCHECK (orchestrix/detail/check.hpp): aborts with file:line, condition and message
// where debug checks are on (ORCHESTRIX_DCHECKS=1: the debug, asan and tsan presets), and
// evaluates nothing where they are off (release). invariant_violated(): the walks' error.
#include "orchestrix/detail/check.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "orchestrix/detail/invariant.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix_test/run_in_child.hpp"

namespace {

int g_evaluations = 0;

bool counted_false() {
  ++g_evaluations;
  return false;
}

}  // namespace

#if ORCHESTRIX_DCHECK_IS_ON

namespace {

bool counted_true() {
  ++g_evaluations;
  return true;
}

}  // namespace

TEST_CASE("a failing ORCHESTRIX_DCHECK aborts and names file, line, condition and message") {
  const int line = __LINE__ + 2;
  const auto outcome =
      orchestrix::test::run_in_child([] { ORCHESTRIX_DCHECK_MSG(counted_false(), "the reason"); });
  CHECK(outcome.aborted);
  std::string expected = "check_test.cpp:";
  expected.append(std::to_string(line));
  expected.append(": ORCHESTRIX_DCHECK failed: counted_false() (the reason)");
  CHECK(outcome.stderr_text.find(expected) != std::string::npos);
}

TEST_CASE("ORCHESTRIX_DCHECK without a message aborts naming the condition") {
  const auto outcome = orchestrix::test::run_in_child([] { ORCHESTRIX_DCHECK(1 + 1 == 3); });
  CHECK(outcome.aborted);
  CHECK(outcome.stderr_text.find("ORCHESTRIX_DCHECK failed: 1 + 1 == 3\n") != std::string::npos);
}

TEST_CASE("a passing ORCHESTRIX_DCHECK evaluates its condition once and carries on") {
  g_evaluations = 0;
  ORCHESTRIX_DCHECK(counted_true());
  CHECK(g_evaluations == 1);
  const auto outcome = orchestrix::test::run_in_child([] { ORCHESTRIX_DCHECK(counted_true()); });
  CHECK_FALSE(outcome.aborted);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.stderr_text.empty());
}

#else

TEST_CASE("with debug checks off ORCHESTRIX_DCHECK does not evaluate its condition") {
  g_evaluations = 0;
  ORCHESTRIX_DCHECK(counted_false());
  ORCHESTRIX_DCHECK_MSG(counted_false(), "never printed");
  CHECK(g_evaluations == 0);
}

#endif

TEST_CASE(
    "invariant_violated throws InvariantViolation naming the structure, strings and numbers") {
  try {
    orchestrix::detail::invariant_violated("Thing", "block #", 3, " holds ", std::uint64_t{4096},
                                           " bytes, ", -2, " expected");
    FAIL("invariant_violated returned");
  } catch (const orchestrix::InvariantViolation& e) {
    CHECK(std::string(e.what()) ==
          "Thing: invariant violated: block #3 holds 4096 bytes, -2 expected");
  }
}
