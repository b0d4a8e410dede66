// Group commit from several threads (label concurrency: the tsan preset runs it): every append
// that returned is durable, frames of one thread keep its order, and a sync failure in the
// middle reaches every appender as IoError without losing an acknowledged frame.
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <orchestrix/durable/fault_file_system.hpp>
#include <orchestrix/durable/log_writer.hpp>
#include <orchestrix/errors.hpp>
#include <thread>

#include "durable_test_support.hpp"

using namespace orchestrix::durable;
using namespace orchestrix::durable::test;

namespace {

const orchestrix::Uuid kStore = orchestrix::Uuid::v4_from_bits(0x6c, 0x6c);

struct Acked {
  std::mutex mutex;
  std::map<std::uint64_t, Bytes> by_offset;
};

void appender(LogWriter& w, std::uint32_t thread, std::uint32_t n, Acked& acked) {
  for (std::uint32_t i = 0; i < n; ++i) {
    Bytes p = make_payload(thread, i, 200);
    std::uint64_t offset = 0;
    try {
      offset = w.append(1, p);
    } catch (const orchestrix::IoError&) {
      return;
    }
    const std::scoped_lock lock(acked.mutex);
    acked.by_offset.emplace(offset, std::move(p));
  }
}

// Frames in file order; each thread's sequence numbers must run 0, 1, 2, ... without gaps.
void check_per_thread_order(const std::vector<StoredFrame>& frames) {
  std::map<std::uint32_t, std::uint32_t> next;
  for (const StoredFrame& f : frames) {
    REQUIRE(payload_is_intact(f.payload, 200));
    CHECK(payload_seq(f.payload) == next[payload_tag(f.payload)]++);
  }
}

}  // namespace

TEST_CASE("group commit: 4 threads on the POSIX file system, every acknowledged frame in order") {
  TempDir dir;
  auto w = LogWriter::create(posix_file_system(), dir.file("log"), kStore);
  Acked acked;
  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { appender(*w, t, 150, acked); });
  }
  for (std::thread& t : threads) t.join();
  CHECK(w->durable_offset() == w->end_offset());
  w->close();
  LogReader reader(posix_file_system(), dir.file("log"), kStore);
  const auto frames = read_frames(reader);
  REQUIRE(frames.size() == 600);
  REQUIRE(acked.by_offset.size() == 600);
  for (const StoredFrame& f : frames) CHECK(acked.by_offset.at(f.offset) == f.payload);
  check_per_thread_order(frames);
}

TEST_CASE("group commit: a sync failure mid-run reaches every thread - acknowledged frames kept") {
  for (std::uint64_t nth : {3U, 20U, 60U}) {
    CAPTURE(nth);
    FaultFileSystem fs;
    auto w = LogWriter::create(fs, "d/log", kStore);
    fs.fail_nth(FaultFileSystem::Op::kSync, nth, EIO);
    Acked acked;
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] { appender(*w, t, 100, acked); });
    }
    for (std::thread& t : threads) t.join();
    CHECK_THROWS_AS(w->append(1, make_payload(9, 0, 200)), orchestrix::IoError);
    w.reset();
    fs.clear_faults();
    fs.crash();
    LogReader reader(fs, "d/log", kStore);
    const auto frames = read_frames(reader);
    // A sync may also have carried frames whose own append then failed: those may be there too.
    std::map<std::uint64_t, Bytes> found;
    for (const StoredFrame& f : frames) found.emplace(f.offset, f.payload);
    for (const auto& [offset, payload] : acked.by_offset) CHECK(found.at(offset) == payload);
    check_per_thread_order(frames);
  }
}

TEST_CASE("group commit: kPeriodic with 4 threads and explicit syncs") {
  FaultFileSystem fs;
  WriterOptions o;
  o.durability = Durability::kPeriodic;
  o.sync_interval = std::chrono::milliseconds(1);
  auto w = LogWriter::create(fs, "d/log", kStore, o);
  Acked acked;
  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      appender(*w, t, 100, acked);
      w->sync();
    });
  }
  for (std::thread& t : threads) t.join();
  w.reset();
  fs.crash();
  LogReader reader(fs, "d/log", kStore);
  const auto frames = read_frames(reader);
  CHECK(frames.size() == 400);
  check_per_thread_order(frames);
}
