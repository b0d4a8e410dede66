// Memory of the durable layer: the writer's frame buffer and the reader's window come from the
// memory resource they are given, and append() makes no global operator new call once the
// buffer has reached the largest frame size (this binary counts them: orchestrix_alloc_guard).
#include <doctest/doctest.h>

#include <orchestrix/alloc/instrumented_resource.hpp>
#include <orchestrix/alloc/system_resource.hpp>
#include <orchestrix/durable/log_writer.hpp>
#include <orchestrix_test/alloc_guard.hpp>

#include "durable_test_support.hpp"

using namespace orchestrix::durable;
using namespace orchestrix::durable::test;

TEST_CASE("durable memory: append allocates nothing after warm-up - buffers from the resource") {
  REQUIRE(orchestrix::test::alloc_guard_active());
  const orchestrix::Uuid store = orchestrix::Uuid::v4_from_bits(0xa1, 0x10c);
  orchestrix::alloc::SystemResource system;
  orchestrix::alloc::InstrumentedResource memory(&system);
  TempDir dir;
  std::vector<Bytes> payloads;
  for (std::uint32_t i = 0; i < 100; ++i) payloads.push_back(make_payload(1, i, 4000));
  const Bytes largest(4100, std::byte{1});

  for (const Durability mode : {Durability::kOnCommit, Durability::kNone}) {
    WriterOptions options;
    options.durability = mode;
    options.memory = &memory;
    const std::string path = dir.file(mode == Durability::kNone ? "none" : "commit");
    auto w = LogWriter::create(posix_file_system(), path, store, options);
    w->append(1, largest);  // warm-up: the frame buffer reaches its size
    const std::size_t held = memory.bytes_live();
    std::uint64_t calls = 0;
    {
      const orchestrix::test::ScopedGlobalAllocCounter counter;
      for (const Bytes& p : payloads) w->append(2, p);
      w->sync();
      calls = counter.new_calls();
    }
    CHECK(calls == 0);
    CHECK(held >= kFrameHeaderSize + largest.size());
    CHECK(memory.bytes_live() == held);
    w->close();
    w.reset();
    CHECK(memory.bytes_live() == 0);

    ReadOptions read_options;
    read_options.memory = &memory;
    LogReader reader(posix_file_system(), path, store, read_options);
    CHECK(read_frames(reader).size() == payloads.size() + 1);
    CHECK(memory.bytes_live() > 0);
  }
  CHECK(memory.bytes_live() == 0);
}
