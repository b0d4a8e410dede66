// Fault injection through the file interface: each write, sync, directory sync, rename, read,
// open and truncate of a create / append / reopen / append workload fails in turn (plain and
// with short writes); after each, the writer has reported IoError and refuses more, and the
// durable state after a crash reopens to the acknowledged frames.
#include <doctest/doctest.h>

#include <cerrno>
#include <orchestrix/durable/fault_file_system.hpp>
#include <orchestrix/durable/log_writer.hpp>
#include <orchestrix/errors.hpp>

#include "durable_test_support.hpp"

using namespace orchestrix::durable;
using namespace orchestrix::durable::test;
using orchestrix::IoError;
using Op = FaultFileSystem::Op;

namespace {

const orchestrix::Uuid kStore = orchestrix::Uuid::v4_from_bits(0xfa, 0x17);
const std::string kPath = "data/log";

struct Outcome {
  std::vector<Bytes> acked;      // appends that returned
  std::vector<Bytes> attempted;  // every append begun, in order
  bool failed = false;
};

// Appends until one fails; after a failure, checks that the writer keeps refusing.
void append_run(LogWriter& w, std::uint32_t tag, std::uint32_t n, Outcome& out) {
  for (std::uint32_t i = 0; i < n && !out.failed; ++i) {
    Bytes p = make_payload(tag, i, 300);
    out.attempted.push_back(p);
    try {
      w.append(1, p);
      out.acked.push_back(std::move(p));
    } catch (const IoError&) {
      out.failed = true;
      CHECK_THROWS_AS(w.append(1, make_payload(tag, n, 300)), IoError);
      CHECK_THROWS_AS(w.sync(), IoError);
    }
  }
}

// create, 8 appends, close, reopen (recovery), 8 appends, close; stops at the first IoError.
Outcome workload(FaultFileSystem& fs) {
  Outcome out;
  try {
    {
      auto w = LogWriter::create(fs, kPath, kStore);
      append_run(*w, 1, 8, out);
      if (out.failed) return out;
      w->close();
    }
    auto w = LogWriter::open(fs, kPath, kStore, {}, {}, nullptr);
    append_run(*w, 2, 8, out);
    if (!out.failed) w->close();
  } catch (const IoError&) {
    out.failed = true;
  }
  return out;
}

std::vector<Bytes> recover(FaultFileSystem& fs) {
  std::vector<Bytes> out;
  if (!fs.exists(kPath)) return out;
  auto w = LogWriter::open(fs, kPath, kStore, {}, {}, [&](const FrameView& f) {
    out.emplace_back(f.payload.begin(), f.payload.end());
  });
  w->close();
  return out;
}

bool is_prefix(const std::vector<Bytes>& a, const std::vector<Bytes>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

TEST_CASE("fault sweep: every call of each kind fails in turn - acknowledged frames survive") {
  FaultFileSystem clean;
  const Outcome baseline = workload(clean);
  REQUIRE_FALSE(baseline.failed);
  REQUIRE(recover(clean) == baseline.acked);

  const Op kinds[] = {Op::kOpen,          Op::kRead,   Op::kWrite,   Op::kSync,
                      Op::kSyncDirectory, Op::kRename, Op::kTruncate};
  const int errors[] = {EIO, ENOSPC, EDQUOT};
  std::size_t runs = 0;
  for (const Op kind : kinds) {
    FaultFileSystem counting;
    workload(counting);
    const std::uint64_t calls = counting.count(kind);
    if (kind != Op::kTruncate) CHECK(calls > 0);
    for (std::uint64_t nth = 1; nth <= calls; ++nth) {
      for (const bool torn : {false, true}) {
        CAPTURE(static_cast<int>(kind));
        CAPTURE(nth);
        CAPTURE(torn);
        FaultFileSystem fs;
        if (torn) fs.short_writes(nth);
        fs.fail_nth(kind, nth, errors[nth % 3]);
        const Outcome out = workload(fs);
        CHECK(out.failed);
        fs.clear_faults();
        fs.crash(torn, nth);
        const std::vector<Bytes> recovered = recover(fs);
        if (torn) {
          // Torn unsynced bytes may keep whole unacknowledged frames, in order.
          CHECK(is_prefix(out.acked, recovered));
          CHECK(is_prefix(recovered, out.attempted));
        } else {
          CHECK(recovered == out.acked);
        }
        ++runs;
      }
    }
  }
  CHECK(runs > 40);
}

TEST_CASE("fault sweep: short writes alone change nothing") {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    FaultFileSystem fs;
    fs.short_writes(seed);
    const Outcome out = workload(fs);
    CHECK_FALSE(out.failed);
    fs.crash();
    CHECK(recover(fs) == out.acked);
  }
}

TEST_CASE("fault sweep: a disk that stays full fails the append, earlier frames stay readable") {
  FaultFileSystem fs;
  auto w = LogWriter::create(fs, kPath, kStore);
  Outcome out;
  append_run(*w, 3, 5, out);
  fs.fail_always(Op::kWrite, ENOSPC);
  fs.short_writes(1);
  append_run(*w, 4, 5, out);
  CHECK(out.failed);
  CHECK(out.acked.size() == 5);
  fs.clear_faults();
  LogReader reader(fs, kPath, kStore);
  const auto frames = read_frames(reader);
  REQUIRE(frames.size() == 5);
  for (std::size_t i = 0; i < frames.size(); ++i) CHECK(frames[i].payload == out.acked[i]);
}
