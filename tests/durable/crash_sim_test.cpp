// Simulated crashes (FaultFileSystem::crash) at random points of random workloads, 400 seeds:
// after each, recovery returns every frame acknowledged as durable, then possibly some later
// written frames in order, never a damaged one, and the log takes appends again.
#include <doctest/doctest.h>

#include <orchestrix/detail/splitmix64.hpp>
#include <orchestrix/durable/fault_file_system.hpp>
#include <orchestrix/durable/log_writer.hpp>

#include "durable_test_support.hpp"

using namespace orchestrix::durable;
using namespace orchestrix::durable::test;
using orchestrix::detail::splitmix64;

TEST_CASE("crash simulation: 400 seeds, every durable frame survives, no damaged frame appears") {
  const orchestrix::Uuid store = orchestrix::Uuid::v4_from_bits(0xc4, 0x54);
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    CAPTURE(seed);
    std::uint64_t rng = seed;
    FaultFileSystem fs;
    WriterOptions options;
    options.durability = splitmix64(rng) % 2 == 0 ? Durability::kOnCommit : Durability::kNone;
    std::vector<Bytes> written;
    std::size_t durable = 0;  // frames written[0 .. durable) are acknowledged as durable
    {
      auto w = LogWriter::create(fs, "d/log", store, options);
      const std::uint64_t frames = splitmix64(rng) % 60;
      for (std::uint64_t i = 0; i < frames; ++i) {
        Bytes p = make_payload(static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(i),
                               static_cast<std::uint32_t>(1 + splitmix64(rng) % 5000));
        w->append(static_cast<std::uint8_t>(1 + i % 3), p);
        written.push_back(std::move(p));
        if (options.durability == Durability::kOnCommit) durable = written.size();
        if (splitmix64(rng) % 10 == 0) {
          w->sync();
          durable = written.size();
        }
      }
    }
    fs.crash(seed % 3 != 0, seed);

    std::vector<Bytes> recovered;
    auto w = LogWriter::open(fs, "d/log", store, options, {}, [&](const FrameView& f) {
      recovered.emplace_back(f.payload.begin(), f.payload.end());
    });
    REQUIRE(recovered.size() >= durable);
    REQUIRE(recovered.size() <= written.size());
    for (std::size_t i = 0; i < recovered.size(); ++i) CHECK(recovered[i] == written[i]);

    const Bytes after = make_payload(0xffff, static_cast<std::uint32_t>(seed));
    w->append(7, after);
    w->close();
    LogReader reader(fs, "d/log", store);
    const auto frames = read_frames(reader);
    REQUIRE(frames.size() == recovered.size() + 1);
    CHECK(frames.back().payload == after);
    CHECK(reader.summary().tail == TailState::kClean);
  }
}
