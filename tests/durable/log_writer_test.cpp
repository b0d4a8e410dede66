// LogWriter and LogReader on the POSIX file system and on FaultFileSystem: round trips, reopen
// for append, torn tails, corruption in the middle, foreign and newer files, usage errors, the
// failed-sync rule and the durability modes.
#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <orchestrix/durable/fault_file_system.hpp>
#include <orchestrix/durable/log_writer.hpp>
#include <orchestrix/errors.hpp>
#include <thread>

#include "durable_test_support.hpp"

using namespace orchestrix::durable;
using namespace orchestrix::durable::test;
using orchestrix::CorruptionError;
using orchestrix::IoError;
using orchestrix::Uuid;

namespace {

const Uuid kStore = Uuid::v4_from_bits(0x1234, 0x5678);

WriterOptions mode(Durability d) {
  WriterOptions o;
  o.durability = d;
  return o;
}

// Appends frames 0..n-1 of `tag`; returns what the reader must give back.
std::vector<StoredFrame> append_frames(LogWriter& w, std::uint32_t tag, std::uint32_t n) {
  std::vector<StoredFrame> out;
  for (std::uint32_t i = 0; i < n; ++i) {
    Bytes p = make_payload(tag, i);
    const auto type = static_cast<std::uint8_t>(1 + i % 200);
    const std::uint64_t offset = w.append(type, p);
    out.push_back({offset, type, std::move(p)});
  }
  return out;
}

std::vector<StoredFrame> read_all(FileSystem& fs, const std::string& path,
                                  ReadOptions options = {}) {
  LogReader reader(fs, path, kStore, options);
  return read_frames(reader);
}

}  // namespace

TEST_CASE("log: frames written through the POSIX file system read back in order, offsets kept") {
  TempDir dir;
  const std::string path = dir.file("log");
  auto w = LogWriter::create(posix_file_system(), path, kStore, mode(Durability::kOnCommit));
  std::vector<StoredFrame> expected = append_frames(*w, 1, 50);
  const Bytes empty;
  expected.push_back({w->append(9, empty), 9, empty});
  CHECK(w->durable_offset() == w->end_offset());
  w->close();
  CHECK(posix_file_system().file_size(path) == expected.back().offset + kFrameHeaderSize);
  LogReader reader(posix_file_system(), path, kStore);
  CHECK(read_frames(reader) == expected);
  CHECK(reader.summary().tail == TailState::kClean);
  CHECK(reader.summary().frames == expected.size());
  CHECK_FALSE(posix_file_system().exists(path + ".tmp"));
}

TEST_CASE("log: create refuses an existing file - usage errors are typed") {
  FaultFileSystem fs;
  auto w = LogWriter::create(fs, "d/log", kStore);
  CHECK_THROWS_AS(LogWriter::create(fs, "d/log", kStore), IoError);
  CHECK_THROWS_AS(w->append(0, Bytes(3)), orchestrix::InvalidArgument);
  WriterOptions small;
  small.max_frame_payload = 16;
  auto w2 = LogWriter::create(fs, "d/log2", kStore, small);
  CHECK_THROWS_AS(w2->append(1, Bytes(17)), orchestrix::InvalidArgument);
  CHECK_NOTHROW(w2->append(1, Bytes(16)));
  w->close();
  CHECK_THROWS_AS(w->append(1, Bytes(3)), orchestrix::UsageError);
  CHECK_THROWS_AS(w->close(), orchestrix::UsageError);
}

TEST_CASE("log: open() recovers the frames, then appends after them") {
  TempDir dir;
  const std::string path = dir.file("log");
  std::vector<StoredFrame> expected;
  {
    auto w = LogWriter::create(posix_file_system(), path, kStore);
    expected = append_frames(*w, 1, 20);
    w->close();
  }
  std::vector<StoredFrame> seen;
  ScanSummary summary;
  auto w = LogWriter::open(
      posix_file_system(), path, kStore, mode(Durability::kOnCommit), {},
      [&](const FrameView& f) {
        seen.push_back({f.offset, f.type, Bytes(f.payload.begin(), f.payload.end())});
      },
      &summary);
  CHECK(seen == expected);
  CHECK(summary.tail == TailState::kClean);
  const std::vector<StoredFrame> more = append_frames(*w, 2, 10);
  CHECK(more.front().offset ==
        expected.back().offset + kFrameHeaderSize + expected.back().payload.size());
  w->close();
  expected.insert(expected.end(), more.begin(), more.end());
  CHECK(read_all(posix_file_system(), path) == expected);
}

TEST_CASE("log: a torn tail (partial frame, garbage, zeros) is cut on reopen for append") {
  for (int variant = 0; variant < 4; ++variant) {
    CAPTURE(variant);
    FaultFileSystem fs;
    auto w = LogWriter::create(fs, "d/log", kStore);
    std::vector<StoredFrame> expected = append_frames(*w, 3, 10);
    w->close();
    Bytes bytes = fs.contents("d/log");
    REQUIRE(bytes.size() == w->end_offset());
    if (variant == 0) bytes.erase(bytes.end() - 5, bytes.end());  // the last frame loses its end
    if (variant == 1) bytes.insert(bytes.end(), 4, std::byte{0x5a});  // less than a frame header
    if (variant == 2) bytes.insert(bytes.end(), 4096, std::byte{0});  // a zero-filled extension
    if (variant == 3) {                                               // a frame header, no payload
      const auto at = bytes.begin() + static_cast<std::ptrdiff_t>(expected[3].offset);
      const Bytes header(at, at + kFrameHeaderSize);
      bytes.insert(bytes.end(), header.begin(), header.end());
    }
    if (variant == 0) expected.pop_back();
    fs.set_contents("d/log", bytes);
    {
      LogReader reader(fs, "d/log", kStore);
      CHECK(read_frames(reader) == expected);
      CHECK(reader.summary().tail == TailState::kTorn);
    }
    ScanSummary summary;
    auto again = LogWriter::open(fs, "d/log", kStore, {}, {}, nullptr, &summary);
    CHECK(summary.tail == TailState::kTorn);
    CHECK(fs.file_size("d/log") == summary.valid_end);
    const auto more = append_frames(*again, 4, 3);
    again->close();
    expected.insert(expected.end(), more.begin(), more.end());
    CHECK(read_all(fs, "d/log") == expected);
  }
}

TEST_CASE("log: corruption in the middle is refused with its offset, or salvaged up to it") {
  FaultFileSystem fs;
  auto w = LogWriter::create(fs, "d/log", kStore);
  const std::vector<StoredFrame> frames = append_frames(*w, 5, 12);
  w->close();
  Bytes bytes = fs.contents("d/log");
  bytes[frames[6].offset + 12] ^= std::byte{0x10};  // a payload byte of frame 6
  fs.set_contents("d/log", bytes);

  LogReader reader(fs, "d/log", kStore);
  FrameView f;
  for (int i = 0; i < 6; ++i) REQUIRE(reader.next(f));
  try {
    reader.next(f);
    FAIL("no CorruptionError");
  } catch (const CorruptionError& e) {
    CHECK(e.kind() == CorruptionError::Kind::kBadChecksum);
    CHECK(e.offset() == frames[6].offset);
    CHECK(e.path() == "d/log");
  }
  CHECK_THROWS_AS(LogWriter::open(fs, "d/log", kStore, {}, {}, nullptr), CorruptionError);

  ReadOptions salvage;
  salvage.on_corruption = CorruptionPolicy::kSalvage;
  LogReader salvaging(fs, "d/log", kStore, salvage);
  CHECK(read_frames(salvaging) == std::vector<StoredFrame>(frames.begin(), frames.begin() + 6));
  CHECK(salvaging.summary().tail == TailState::kSalvaged);
  CHECK(salvaging.summary().resync_offset == frames[7].offset);

  auto reopened = LogWriter::open(fs, "d/log", kStore, {}, salvage, nullptr);
  CHECK(fs.file_size("d/log") == frames[6].offset);
}

TEST_CASE("log: a file of another store, a newer version, a damaged header are refused") {
  FaultFileSystem fs;
  LogWriter::create(fs, "d/log", kStore)->close();
  const Uuid other = Uuid::v4_from_bits(9, 9);
  try {
    LogReader reader(fs, "d/log", other);
    FAIL("no CorruptionError");
  } catch (const CorruptionError& e) {
    CHECK(e.kind() == CorruptionError::Kind::kForeignStore);
    CHECK(e.offset() == 16);
  }
  CHECK_NOTHROW(LogReader(fs, "d/log", Uuid{}));  // nil: any store

  Bytes bytes = fs.contents("d/log");
  std::array<std::byte, kFileHeaderSize> header{};
  encode_file_header({kFormatVersion + 1, kStore}, header);
  std::copy(header.begin(), header.end(), bytes.begin());
  fs.set_contents("d/log", bytes);
  try {
    LogReader reader(fs, "d/log", kStore);
    FAIL("no CorruptionError");
  } catch (const CorruptionError& e) {
    CHECK(e.kind() == CorruptionError::Kind::kNewerVersion);
  }
  ReadOptions salvage;
  salvage.on_corruption = CorruptionPolicy::kSalvage;
  CHECK_THROWS_AS(LogReader(fs, "d/log", kStore, salvage), CorruptionError);

  fs.set_contents("d/short", Bytes(20));
  try {
    LogReader reader(fs, "d/short", kStore);
    FAIL("no CorruptionError");
  } catch (const CorruptionError& e) {
    CHECK(e.kind() == CorruptionError::Kind::kTruncated);
  }
  fs.set_contents("d/other", Bytes(100, std::byte{'x'}));
  try {
    LogReader reader(fs, "d/other", kStore);
    FAIL("no CorruptionError");
  } catch (const CorruptionError& e) {
    CHECK(e.kind() == CorruptionError::Kind::kNotALogFile);
  }
}

TEST_CASE("log: after a failed sync every later append is refused with a typed error") {
  FaultFileSystem fs;
  auto w = LogWriter::create(fs, "d/log", kStore);
  const std::vector<StoredFrame> acked = append_frames(*w, 6, 5);
  fs.fail_nth(FaultFileSystem::Op::kSync, 1, EIO);
  try {
    w->append(1, make_payload(6, 5));
    FAIL("no IoError");
  } catch (const IoError& e) {
    CHECK(e.error_number() == EIO);
  }
  fs.clear_faults();  // a retried sync would now "succeed": the writer must not trust it
  try {
    w->append(1, make_payload(6, 6));
    FAIL("no IoError");
  } catch (const IoError& e) {
    CHECK(e.error_number() == EIO);
    CHECK(std::string(e.what()).find("earlier") != std::string::npos);
  }
  CHECK_THROWS_AS(w->sync(), IoError);
  CHECK(w->durable_offset() ==
        acked.back().offset + kFrameHeaderSize + acked.back().payload.size());
  w.reset();
  fs.crash();
  CHECK(read_all(fs, "d/log") == acked);
}

TEST_CASE("log: kNone does not sync - a crash keeps what sync() made durable") {
  FaultFileSystem fs;
  auto w = LogWriter::create(fs, "d/log", kStore, mode(Durability::kNone));
  const std::uint64_t syncs = fs.count(FaultFileSystem::Op::kSync);
  const std::vector<StoredFrame> first = append_frames(*w, 7, 10);
  CHECK(fs.count(FaultFileSystem::Op::kSync) == syncs);
  CHECK(w->durable_offset() < w->end_offset());
  w->sync();
  CHECK(w->durable_offset() == w->end_offset());
  append_frames(*w, 8, 10);
  w.reset();
  fs.crash();
  CHECK(read_all(fs, "d/log") == first);
}

TEST_CASE("log: kPeriodic syncs in the background without an append waiting for it") {
  FaultFileSystem fs;
  WriterOptions o = mode(Durability::kPeriodic);
  o.sync_interval = std::chrono::milliseconds(1);
  auto w = LogWriter::create(fs, "d/log", kStore, o);
  const std::vector<StoredFrame> frames = append_frames(*w, 9, 20);
  // Liveness only: the background thread gets there (no bound on when is asserted).
  while (w->durable_offset() != w->end_offset()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  w.reset();
  fs.crash();
  CHECK(read_all(fs, "d/log") == frames);
}

TEST_CASE("log: kPeriodic reports a background sync failure on the next append") {
  FaultFileSystem fs;
  WriterOptions o = mode(Durability::kPeriodic);
  o.sync_interval = std::chrono::milliseconds(1);
  auto w = LogWriter::create(fs, "d/log", kStore, o);
  fs.fail_always(FaultFileSystem::Op::kSync, ENOSPC);
  w->append(1, make_payload(10, 0));
  bool refused = false;
  for (std::uint32_t i = 1; !refused; ++i) {
    try {
      w->append(1, make_payload(10, i));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } catch (const IoError& e) {
      CHECK(e.error_number() == ENOSPC);
      refused = true;
    }
  }
  CHECK(w->durable_offset() == kFileHeaderSize);
}
