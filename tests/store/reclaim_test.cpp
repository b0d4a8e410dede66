// Unit tests of the internal ReclaimDomain: retired segments outlive the pins taken before
// their retirement, and only those.
#include "log/reclaim.hpp"

#include <doctest/doctest.h>

#include <memory_resource>
#include <vector>

using namespace orchestrix::detail;

namespace {

struct Harness {
  std::pmr::unsynchronized_pool_resource pool;
  std::vector<Segment*> freed;
  ReclaimDomain domain{&pool, [this](Segment* s) { freed.push_back(s); }};
  std::vector<Segment> segments = std::vector<Segment>(4);

  Segment* seg(int i) {
    segments[static_cast<std::size_t>(i)].block_bytes = 1000;
    return &segments[static_cast<std::size_t>(i)];
  }
};

}  // namespace

TEST_CASE("a retired segment is freed at once when nobody pins") {
  Harness h;
  h.domain.retire(h.seg(0));
  CHECK(h.freed.size() == 1);
  CHECK(h.domain.retired_bytes() == 0);
}

TEST_CASE("a retired segment waits for the pins taken before its retirement") {
  Harness h;
  PinGeneration* early = h.domain.pin();
  h.domain.retire(h.seg(0));
  CHECK(h.freed.empty());
  CHECK(h.domain.retired_bytes() == 1000);
  PinGeneration* late = h.domain.pin();  // after the retirement: does not hold segment 0
  h.domain.unpin(early);
  CHECK(h.freed.size() == 1);
  h.domain.unpin(late);
}

TEST_CASE("segments retired in later generations wait for every older pin") {
  Harness h;
  PinGeneration* first = h.domain.pin();
  h.domain.retire(h.seg(0));
  PinGeneration* second = h.domain.pin();
  h.domain.retire(h.seg(1));
  h.domain.unpin(second);  // segment 1 is still visible to `first`
  CHECK(h.freed.empty());
  h.domain.unpin(first);
  CHECK(h.freed.size() == 2);
  CHECK(h.domain.retired_bytes() == 0);
}

TEST_CASE("destroying the domain frees what is still retired") {
  std::vector<Segment*> freed;
  std::vector<Segment> segments(2);
  segments[0].block_bytes = 10;
  std::pmr::unsynchronized_pool_resource pool;
  {
    ReclaimDomain d(&pool, [&](Segment* s) { freed.push_back(s); });
    PinGeneration* g = d.pin();
    d.retire(&segments[0]);
    d.unpin(g);
    PinGeneration* g2 = d.pin();
    segments[1].block_bytes = 10;
    d.retire(&segments[1]);
    d.unpin(g2);
  }
  CHECK(freed.size() == 2);
}
