// Unit tests of the internal intern table: ids are per content, and the remembered last shape
// never answers for a shape that differs from it in any of its three strings.
#include "index/intern_table.hpp"

#include <doctest/doctest.h>

#include <memory_resource>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"

using orchestrix::detail::InternTable;
using orchestrix::detail::Shape;

TEST_CASE("find() answers by content, never with the last shape for a different one") {
  orchestrix::alloc::InstrumentedResource memory{orchestrix::alloc::system_resource()};
  InternTable table(&memory);
  CHECK_FALSE(table.find(Shape{"A", "s", "c"}).has_value());
  const std::uint32_t a = table.intern(Shape{"A", "s", "c"});
  const std::uint32_t b = table.intern(Shape{"A", "s", "d"});
  CHECK(a != b);
  // Other buffers with the same characters: the same ids.
  const std::string type = "A";
  const std::string source = "s";
  const std::string content = "c";
  CHECK(table.find(Shape{type, source, content}) == std::optional<std::uint32_t>(a));
  CHECK(table.find(Shape{"A", "s", "c"}) == std::optional<std::uint32_t>(a));
  // Shapes that differ from the last one found in one string only.
  CHECK(table.find(Shape{"A", "s", "d"}) == std::optional<std::uint32_t>(b));
  CHECK(table.find(Shape{"B", "s", "d"}) == std::nullopt);
  CHECK(table.find(Shape{"A", "t", "d"}) == std::nullopt);
  CHECK(table.find(Shape{"A", "s", "e"}) == std::nullopt);
  CHECK(table.find(Shape{"A", "s", ""}) == std::nullopt);
  CHECK(table.find(Shape{"A", "", "d"}) == std::nullopt);
  CHECK(table.find(Shape{"A", "s", "d"}) == std::optional<std::uint32_t>(b));
  CHECK(table.intern(Shape{"A", "s", "c"}) == a);
  CHECK(table.intern(Shape{"A", "s", "d"}) == b);
  CHECK(table.shape_count() == 2);
}

TEST_CASE("threads finding and adding shapes concurrently agree on every id") {
  orchestrix::alloc::InstrumentedResource memory{orchestrix::alloc::system_resource()};
  InternTable table(&memory);
  constexpr int kShapes = 300;
  std::vector<std::string> types;
  for (int i = 0; i < kShapes; ++i) {
    std::string t = "T";
    t += std::to_string(i);
    types.push_back(t);
  }
  std::vector<std::vector<std::uint32_t>> seen(2, std::vector<std::uint32_t>(kShapes));
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (int k = 0; k < kShapes; ++k) {
          const int i = t == 0 ? k : kShapes - 1 - k;
          const std::uint32_t id = table.intern(Shape{types[static_cast<std::size_t>(i)], "", ""});
          const std::optional<std::uint32_t> found =
              table.find(Shape{types[static_cast<std::size_t>(i)], "", ""});
          CHECK(found == std::optional<std::uint32_t>(id));
          CHECK(table.shape(id).type == types[static_cast<std::size_t>(i)]);
          seen[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)] = id;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  CHECK(seen[0] == seen[1]);
  CHECK(table.shape_count() == kShapes);
}
