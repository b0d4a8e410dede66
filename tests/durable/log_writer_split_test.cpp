// LogWriter::write() / wait_durable() (an append in two halves, for callers that order frames
// under their own lock and wait outside it) and LogWriter::open_until() (a scan the caller may
// stop at a frame, cutting the file there).
#include <doctest/doctest.h>

#include <cerrno>
#include <orchestrix/durable/fault_file_system.hpp>
#include <orchestrix/durable/log_writer.hpp>
#include <orchestrix/errors.hpp>

#include "durable_test_support.hpp"

using namespace orchestrix::durable;
using namespace orchestrix::durable::test;

namespace {
const orchestrix::Uuid kStore = orchestrix::Uuid::v4_from_bits(0x5b, 0x17);
}

TEST_CASE("LogWriter::write returns the frame's end; wait_durable makes it durable (kOnCommit)") {
  FaultFileSystem fs;
  auto w = LogWriter::create(fs, "log", kStore);
  const Bytes p = make_payload(1, 1);
  const std::uint64_t end = w->write(1, p);
  CHECK(end == kFileHeaderSize + kFrameHeaderSize + p.size());
  CHECK(w->end_offset() == end);
  CHECK(w->durable_offset() == kFileHeaderSize);  // written, not synced
  w->wait_durable(end);
  CHECK(w->durable_offset() == end);
  const std::uint64_t before = fs.count(FaultFileSystem::Op::kSync);
  w->wait_durable(end);  // already durable: no sync
  CHECK(fs.count(FaultFileSystem::Op::kSync) == before);
  fs.crash();
  LogReader r(fs, "log", kStore);
  CHECK(read_frames(r).size() == 1);
}

TEST_CASE(
    "LogWriter::wait_durable: kNone returns at once; a failed sync fails it and later writes") {
  FaultFileSystem fs;
  WriterOptions none;
  none.durability = Durability::kNone;
  {
    auto w = LogWriter::create(fs, "a", kStore, none);
    const std::uint64_t end = w->write(1, make_payload(1, 2));
    w->wait_durable(end);
    CHECK(w->durable_offset() == kFileHeaderSize);
  }
  auto w = LogWriter::create(fs, "b", kStore);
  const std::uint64_t end = w->write(1, make_payload(1, 3));
  fs.fail_nth(FaultFileSystem::Op::kSync, 1, EIO);
  CHECK_THROWS_AS(w->wait_durable(end), orchestrix::IoError);
  CHECK_THROWS_AS(w->write(1, make_payload(1, 4)), orchestrix::IoError);
  fs.clear_faults();
  fs.crash();
  LogReader r(fs, "b", kStore);
  CHECK(read_frames(r).empty());
}

TEST_CASE("LogWriter::open_until cuts the file at the frame the caller refuses") {
  FaultFileSystem fs;
  {
    auto w = LogWriter::create(fs, "log", kStore);
    for (std::uint32_t i = 0; i < 5; ++i) w->append(1, make_payload(2, i));
    w->close();
  }
  std::size_t seen = 0;
  ScanSummary summary;
  {
    auto w = LogWriter::open_until(
        fs, "log", kStore, {}, {},
        [&](const FrameView& f) { return payload_seq(f.payload) != 3 && ++seen > 0; }, &summary);
    CHECK(seen == 3);
    CHECK(summary.tail == TailState::kSalvaged);
    CHECK(w->end_offset() == summary.valid_end);
    w->append(1, make_payload(3, 0));
    w->close();
  }
  LogReader r(fs, "log", kStore);
  const std::vector<StoredFrame> frames = read_frames(r);
  REQUIRE(frames.size() == 4);
  CHECK(payload_tag(frames[3].payload) == 3);
}
