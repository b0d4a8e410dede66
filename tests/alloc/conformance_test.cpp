// The conformance suite over every resource of orchestrix::allocators (and the std baseline).
// mimalloc runs the same suite in its own executable (mimalloc_test.cpp).
#include "conformance.hpp"

using namespace alloc_test;

#define ORCHESTRIX_ALL_RESOURCE_FIXTURES                                          \
  SystemFixture, NewDeleteFixture, ArenaFixture, UnsyncArenaFixture, PoolFixture, \
      UnsyncPoolFixture, InstrumentedFixture, BudgetFixture, FailingNeverFixture

TEST_CASE_TEMPLATE_INVOKE(resource_conformance_alignment, ORCHESTRIX_ALL_RESOURCE_FIXTURES);
TEST_CASE_TEMPLATE_INVOKE(resource_conformance_random, ORCHESTRIX_ALL_RESOURCE_FIXTURES);
TEST_CASE_TEMPLATE_INVOKE(resource_conformance_reuse, ORCHESTRIX_ALL_RESOURCE_FIXTURES);
TEST_CASE_TEMPLATE_INVOKE(resource_conformance_containers, ORCHESTRIX_ALL_RESOURCE_FIXTURES);
