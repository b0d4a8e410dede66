// Corruption: bit flips, truncation and appended garbage over a written log, hundreds of seeds.
// The reader never returns a frame that differs from what was written; single flips are
// reported exactly where they are (or the file cut there when nothing valid follows).
#include <doctest/doctest.h>

#include <algorithm>
#include <orchestrix/detail/splitmix64.hpp>
#include <orchestrix/durable/fault_file_system.hpp>
#include <orchestrix/durable/log_writer.hpp>
#include <orchestrix/errors.hpp>

#include "durable_test_support.hpp"

using namespace orchestrix::durable;
using namespace orchestrix::durable::test;
using orchestrix::CorruptionError;
using orchestrix::detail::splitmix64;

namespace {

const orchestrix::Uuid kStore = orchestrix::Uuid::v4_from_bits(0xc0, 0xde);

struct Log {
  Bytes bytes;
  std::vector<StoredFrame> frames;
};

Log written_log(std::uint64_t seed) {
  FaultFileSystem fs;
  Log log;
  auto w = LogWriter::create(fs, "d/log", kStore);
  std::uint64_t rng = seed;
  const std::uint64_t n = 5 + splitmix64(rng) % 30;
  for (std::uint64_t i = 0; i < n; ++i) {
    Bytes p = make_payload(static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(i),
                           static_cast<std::uint32_t>(1 + splitmix64(rng) % 700));
    const std::uint64_t offset = w->append(1, p);
    log.frames.push_back({offset, 1, std::move(p)});
  }
  w->close();
  log.bytes = fs.contents("d/log");
  return log;
}

// The index of the frame holding byte `pos` (pos >= kFileHeaderSize).
std::size_t frame_holding(const Log& log, std::uint64_t pos) {
  std::size_t i = 0;
  while (i + 1 < log.frames.size() && log.frames[i + 1].offset <= pos) ++i;
  return i;
}

struct Result {
  std::vector<StoredFrame> frames;
  bool corruption = false;
  CorruptionError::Kind kind = CorruptionError::Kind::kBadChecksum;
  std::uint64_t offset = 0;
  TailState tail = TailState::kClean;
};

Result read_damaged(const Bytes& bytes, CorruptionPolicy policy) {
  FaultFileSystem fs;
  fs.set_contents("d/log", bytes);
  Result r;
  ReadOptions options;
  options.on_corruption = policy;
  try {
    LogReader reader(fs, "d/log", kStore, options);
    FrameView f;
    try {
      while (reader.next(f)) {
        r.frames.push_back({f.offset, f.type, Bytes(f.payload.begin(), f.payload.end())});
      }
      r.tail = reader.summary().tail;
    } catch (const CorruptionError& e) {
      r.corruption = true;
      r.kind = e.kind();
      r.offset = e.offset();
    }
  } catch (const CorruptionError& e) {
    r.corruption = true;
    r.kind = e.kind();
    r.offset = e.offset();
  }
  return r;
}

// Every frame returned is the frame written at that offset.
void check_only_written_frames(const Log& log, const Result& r) {
  REQUIRE(r.frames.size() <= log.frames.size());
  for (std::size_t i = 0; i < r.frames.size(); ++i) CHECK(r.frames[i] == log.frames[i]);
}

}  // namespace

TEST_CASE("corruption: one flipped bit, 600 seeds, found exactly where it is") {
  for (std::uint64_t seed = 0; seed < 600; ++seed) {
    CAPTURE(seed);
    const Log log = written_log(seed);
    std::uint64_t rng = seed ^ 0xabcdef;
    Bytes bytes = log.bytes;
    const std::uint64_t pos = splitmix64(rng) % bytes.size();
    bytes[pos] ^= static_cast<std::byte>(1U << (splitmix64(rng) % 8));
    CAPTURE(pos);
    for (const CorruptionPolicy policy : {CorruptionPolicy::kRefuse, CorruptionPolicy::kSalvage}) {
      const Result r = read_damaged(bytes, policy);
      check_only_written_frames(log, r);
      if (pos < kFileHeaderSize) {
        CHECK(r.corruption);
        CHECK(r.offset < kFileHeaderSize);
        CHECK(r.frames.empty());
        continue;
      }
      const std::size_t bad = frame_holding(log, pos);
      CHECK(r.frames.size() == bad);
      const bool last = bad + 1 == log.frames.size();
      if (last) {
        CHECK_FALSE(r.corruption);
        CHECK(r.tail == TailState::kTorn);
      } else if (policy == CorruptionPolicy::kRefuse) {
        CHECK(r.corruption);
        CHECK(r.offset == log.frames[bad].offset);
      } else {
        CHECK_FALSE(r.corruption);
        CHECK(r.tail == TailState::kSalvaged);
      }
    }
  }
}

TEST_CASE("corruption: several flipped bits, 400 seeds: no bad frame, offset at or before them") {
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    CAPTURE(seed);
    const Log log = written_log(seed + 1000);
    std::uint64_t rng = seed;
    Bytes bytes = log.bytes;
    std::uint64_t first = bytes.size();
    const std::uint64_t flips = 2 + splitmix64(rng) % 30;
    for (std::uint64_t i = 0; i < flips; ++i) {
      const std::uint64_t pos = splitmix64(rng) % bytes.size();
      bytes[pos] ^= static_cast<std::byte>(1U << (splitmix64(rng) % 8));
    }
    for (std::uint64_t i = 0; i < bytes.size(); ++i) {  // flips of one bit twice cancel
      if (bytes[i] != log.bytes[i]) {
        first = i;
        break;
      }
    }
    const Result r =
        read_damaged(bytes, seed % 2 == 0 ? CorruptionPolicy::kRefuse : CorruptionPolicy::kSalvage);
    check_only_written_frames(log, r);
    if (r.corruption) CHECK(r.offset <= std::max<std::uint64_t>(first, kFileHeaderSize));
    if (first >= kFileHeaderSize) CHECK(r.frames.size() <= frame_holding(log, first));
  }
}

TEST_CASE("corruption: truncation at every kind of offset, 400 seeds: the whole frames before it") {
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    CAPTURE(seed);
    const Log log = written_log(seed + 2000);
    std::uint64_t rng = seed;
    const std::uint64_t cut = splitmix64(rng) % (log.bytes.size() + 1);
    const Bytes bytes(log.bytes.begin(), log.bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    const Result r = read_damaged(bytes, CorruptionPolicy::kRefuse);
    check_only_written_frames(log, r);
    if (cut < kFileHeaderSize) {
      CHECK(r.corruption);
      CHECK(r.kind == CorruptionError::Kind::kTruncated);
      continue;
    }
    CHECK_FALSE(r.corruption);
    const auto whole = static_cast<std::size_t>(
        std::count_if(log.frames.begin(), log.frames.end(), [&](const StoredFrame& f) {
          return f.offset + kFrameHeaderSize + f.payload.size() <= cut;
        }));
    CHECK(r.frames.size() == whole);
  }
}

TEST_CASE("corruption: garbage appended, 200 seeds: every frame, then a torn tail") {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    CAPTURE(seed);
    const Log log = written_log(seed + 3000);
    std::uint64_t rng = seed;
    Bytes bytes = log.bytes;
    const std::uint64_t extra = 1 + splitmix64(rng) % 3000;
    for (std::uint64_t i = 0; i < extra; ++i)
      bytes.push_back(static_cast<std::byte>(splitmix64(rng)));
    const Result r = read_damaged(bytes, CorruptionPolicy::kRefuse);
    CHECK_FALSE(r.corruption);
    CHECK(r.frames == log.frames);
    CHECK(r.tail == TailState::kTorn);
  }
}
