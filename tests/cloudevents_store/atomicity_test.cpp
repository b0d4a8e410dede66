// What a multi-stream import guarantees when the store runs out of memory in the middle: one
// append per stream, in the order of each stream's first event; the streams before the failing
// append are stored in full, the others not at all; a retry of the same input (UUID ids)
// completes it without storing anything twice.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/cloudevents_store/importer.hpp"
#include "orchestrix/event_store.hpp"
#include "store_check.hpp"

using namespace orchestrix;
using namespace orchestrix::cloudevents;

namespace {

const std::vector<std::string> kStreams = {"first", "second", "third"};

// 30 events over three streams, interleaved; ids are lower-case UUIDs (kept by the store).
std::string input() {
  std::string text;
  for (int i = 0; i < 30; ++i) {
    char id[37];
    std::snprintf(id, sizeof(id), "0190a1b2-c3d4-7e5f-8a9b-%012d", i);
    text += R"({"specversion":"1.0","id":")" + std::string(id) +
            R"(","source":"/s","type":"t","subject":")" + kStreams[i % 3] + R"(","data":{"i":)" +
            std::to_string(i) + "}}\n";
  }
  return text;
}

}  // namespace

TEST_CASE("an import failing at any allocation keeps whole streams and a retry completes it") {
  const std::string text = input();
  alloc::InstrumentedResource inst(alloc::system_resource());
  std::uint64_t needed = 0;
  {
    alloc::FailingResource failing(&inst);
    EventStore store({.memory = &failing});
    Importer importer;
    failing.set_fail_at(0);
    importer.import_lines(store, text);
    needed = failing.allocate_calls();
  }
  REQUIRE(needed >= 3);
  for (std::uint64_t n = 1; n <= needed; ++n) {
    CAPTURE(n);
    alloc::FailingResource failing(&inst);
    EventStore store({.memory = &failing});
    Importer importer;
    failing.set_fail_at(n);
    CHECK_THROWS_AS(importer.import_lines(store, text), std::bad_alloc);
    failing.set_fail_at(0);
    const std::size_t stored = importer.streams_appended();
    CHECK(stored < kStreams.size());
    for (std::size_t s = 0; s < kStreams.size(); ++s) {
      if (s < stored) {
        CHECK(store.stream_version(kStreams[s]) == 9);
      } else {
        CHECK_FALSE(store.stream_version(kStreams[s]).has_value());
      }
    }
    CHECK(store.memory_stats().total_bytes() == inst.bytes_live());
    orchestrix::test::check_store(store);
    const ImportResult r = importer.import_lines(store, text);
    CHECK(r.written == 10 * (kStreams.size() - stored));
    CHECK(store.head_position().value == 30);
    for (const std::string& s : kStreams) CHECK(store.stream_version(s) == 9);
  }
}
