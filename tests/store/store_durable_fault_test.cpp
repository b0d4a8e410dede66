// A store with a directory on a FaultFileSystem: every open, read, write, sync, directory sync
// and rename of a create / change / reopen / change workload fails in turn (EIO, ENOSPC, and with
// short writes). The failing call throws IoError naming the operation, file and errno; the store
// stays readable and consistent and refuses every later change; after crash() it reopens to
// exactly the acknowledged changes. Then corruption: bit flips, truncation, garbage, another
// store's frames and a newer format version, over hundreds of seeds: opening reports
// CorruptionError with where, or (kSalvage) opens with a prefix of the acknowledged history;
// never a wrong or partial event.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "orchestrix/durable/fault_file_system.hpp"
#include "orchestrix/durable/log_format.hpp"
#include "orchestrix/errors.hpp"
#include "store_access.hpp"
#include "store_durable_support.hpp"

using namespace orchestrix;
using namespace orchestrix::test;
using detail::StoreAccess;
using durable::FaultFileSystem;
using Op = FaultFileSystem::Op;

namespace {

const std::string kLog = "store/log-000001.orx";

StoreOptions options(RecoveryPolicy recovery = RecoveryPolicy::kRefuse) {
  StoreOptions o;
  o.directory = "store";
  o.segment_bytes = 64 * 1024;
  o.recovery = recovery;
  return o;
}

struct Outcome {
  std::size_t acked = 0;  // changes of the script that returned
  bool failed = false;
};

// Runs changes [from, to) until one throws IoError; then checks the store: readable, consistent,
// and refusing the next change.
void run_until_failure(EventStore& store, const Script& s, std::size_t from, std::size_t to,
                       Outcome& out) {
  for (std::size_t i = from; i < to; ++i) {
    try {
      s.changes[i](store);
      ++out.acked;
    } catch (const IoError& e) {
      out.failed = true;
      CHECK(e.error_number() != 0);
      CHECK(std::string(e.what()).find("'store") != std::string::npos);  // the file or folder
      (void)dump(store, s.streams);                                      // still readable
      StoreAccess::check_invariants(store);
      CHECK_THROWS_AS(store.append(s.streams[0], Batch(1).span()), IoError);
      if (store.stream_version(s.streams[0])) {
        CHECK_THROWS_AS(store.set_retention(s.streams[0], RetentionPolicy::keep_all()), IoError);
      }
      return;
    }
  }
}

// Create, 20 changes, close, reopen, 20 more, close: stops at the first IoError.
Outcome workload(FaultFileSystem& fs, const Script& s) {
  Outcome out;
  try {
    {
      auto store = StoreAccess::open(options(), fs);
      run_until_failure(*store, s, 0, 20, out);
      if (out.failed) return out;
    }
    auto store = StoreAccess::open(options(), fs);
    run_until_failure(*store, s, 20, 40, out);
  } catch (const IoError& e) {
    CHECK(e.error_number() != 0);
    out.failed = true;
  }
  return out;
}

}  // namespace

TEST_CASE("store faults: each file call fails in turn - acknowledged changes survive a crash") {
  const Script s = make_script(41, 40, 3, 6);
  const std::vector<std::string> expected = prefix_dumps(s, options());
  {
    FaultFileSystem clean;
    const Outcome out = workload(clean, s);
    REQUIRE_FALSE(out.failed);
    REQUIRE(out.acked == 40);
  }
  const Op kinds[] = {Op::kOpen, Op::kRead, Op::kWrite, Op::kSync, Op::kSyncDirectory, Op::kRename};
  const int errors[] = {EIO, ENOSPC};
  std::size_t runs = 0;
  for (const Op kind : kinds) {
    FaultFileSystem counting;
    workload(counting, s);
    const std::uint64_t calls = counting.count(kind);
    CHECK(calls > 0);
    for (std::uint64_t nth = 1; nth <= calls; ++nth) {
      for (const bool short_writes : {false, true}) {
        CAPTURE(static_cast<int>(kind));
        CAPTURE(nth);
        CAPTURE(short_writes);
        FaultFileSystem fs;
        if (short_writes) fs.short_writes(nth);
        fs.fail_nth(kind, nth, errors[nth % 2]);
        const Outcome out = workload(fs, s);
        CHECK(out.failed);
        fs.clear_faults();
        fs.crash();
        auto store = StoreAccess::open(options(), fs);
        CHECK(dump(*store, s.streams) == expected[out.acked]);
        StoreAccess::check_invariants(*store);
        ++runs;
      }
    }
  }
  CHECK(runs > 100);
}

TEST_CASE("store faults: a write that fails leaves the batch invisible") {
  FaultFileSystem fs;
  auto store = StoreAccess::open(options(), fs);
  store->append("s", Batch(3).span());
  fs.fail_nth(Op::kWrite, 1, ENOSPC);
  CHECK_THROWS_AS(store->append("s", Batch(2).span()), IoError);
  CHECK_THROWS_AS(store->append("new", Batch(2).span()), IoError);
  CHECK(store->stream_version("s") == 2);
  CHECK_FALSE(store->stream_version("new").has_value());
  CHECK(store->head_position().value == 3);
  CHECK(read_everything(*store).size() == 3);
  StoreAccess::check_invariants(*store);
}

namespace {

// A log of the whole script, and the dumps of its prefixes.
struct Corpus {
  Script script = make_script(77, 50, 3, 5);
  std::vector<std::string> dumps = prefix_dumps(script, options());
  std::vector<std::byte> log;
  Corpus() {
    FaultFileSystem fs;
    auto store = StoreAccess::open(options(), fs);
    for (const Change& c : script.changes) c(*store);
    log = fs.contents(kLog);
  }
};

const Corpus& corpus() {
  static const Corpus c;
  return c;
}

// Opens `bytes` as the store's log: CorruptionError naming the file and an offset in it, or a
// store whose state is one of the script's prefixes. Returns the prefix (or -1 for an error).
int open_damaged(const std::vector<std::byte>& bytes, RecoveryPolicy policy) {
  FaultFileSystem fs;
  fs.create_directory("store");
  fs.set_contents(kLog, bytes);
  try {
    auto store = StoreAccess::open(options(policy), fs);
    const std::string d = dump(*store, corpus().script.streams);
    const auto& dumps = corpus().dumps;
    const auto it = std::find(dumps.begin(), dumps.end(), d);
    CHECK(it != dumps.end());
    StoreAccess::check_invariants(*store);
    return static_cast<int>(it - dumps.begin());
  } catch (const CorruptionError& e) {
    CHECK(e.path() == kLog);
    CHECK(e.offset() <= bytes.size());
    CHECK(std::string(e.what()).find(kLog) != std::string::npos);
    return -1;
  }
}

}  // namespace

TEST_CASE("store corruption: flipped bits, truncation and garbage never give a wrong event") {
  const std::vector<std::byte>& log = corpus().log;
  REQUIRE(open_damaged(log, RecoveryPolicy::kRefuse) == 50);
  std::uint64_t state = 0x5eed;
  int refused = 0;
  int salvaged_short = 0;
  for (int seed = 0; seed < 300; ++seed) {
    CAPTURE(seed);
    const std::uint64_t r = detail::splitmix64(state);
    std::vector<std::byte> bytes = log;
    switch (seed % 3) {
      case 0: {  // flip 1..3 bits anywhere
        for (std::uint64_t k = 0; k <= r % 3; ++k) {
          const std::uint64_t bit = detail::splitmix64(state) % (bytes.size() * 8);
          bytes[bit / 8] ^= static_cast<std::byte>(1U << (bit % 8));
        }
        break;
      }
      case 1:  // cut at a random offset
        bytes.resize(r % bytes.size());
        break;
      default: {  // garbage at the end
        const std::size_t n = 1 + r % 300;
        for (std::size_t k = 0; k < n; ++k) {
          bytes.push_back(static_cast<std::byte>(detail::splitmix64(state) & 0xffU));
        }
        break;
      }
    }
    const int refuse = open_damaged(bytes, RecoveryPolicy::kRefuse);
    const int salvage = open_damaged(bytes, RecoveryPolicy::kSalvage);
    if (refuse < 0) ++refused;
    if (salvage >= 0 && salvage < 50) ++salvaged_short;
    if (refuse >= 0) CHECK(salvage == refuse);  // nothing to salvage: the same prefix
    if (seed % 3 == 2) CHECK(refuse == 50);     // garbage after the last frame is a torn tail
  }
  CHECK(refused > 10);
  CHECK(salvaged_short > 10);
}

TEST_CASE("store corruption: another store's frames after ours, and a newer format version") {
  // Another store's log (its own history) appended after this one's frames: its first batch does
  // not continue this store's positions.
  FaultFileSystem other_fs;
  {
    auto other = StoreAccess::open(options(), other_fs);
    other->append("stream-0", Batch(2).span());
  }
  const std::vector<std::byte> other_log = other_fs.contents(kLog);
  std::vector<std::byte> spliced = corpus().log;
  spliced.insert(spliced.end(), other_log.begin() + durable::kFileHeaderSize, other_log.end());
  CHECK(open_damaged(spliced, RecoveryPolicy::kRefuse) == -1);
  CHECK(open_damaged(spliced, RecoveryPolicy::kSalvage) == 50);

  std::vector<std::byte> newer = corpus().log;
  std::array<std::byte, durable::kFileHeaderSize> header{};
  durable::encode_file_header(durable::FileHeader{durable::kFormatVersion + 1, Uuid::v4()}, header);
  std::copy(header.begin(), header.end(), newer.begin());
  FaultFileSystem fs;
  fs.create_directory("store");
  fs.set_contents(kLog, newer);
  try {
    auto store = StoreAccess::open(options(RecoveryPolicy::kSalvage), fs);
    FAIL("a newer format opened");
  } catch (const CorruptionError& e) {
    CHECK(e.kind() == CorruptionError::Kind::kNewerVersion);
  }
}

TEST_CASE("store corruption: a frame that decodes but cannot be replayed is refused or cut") {
  // A well-formed frame of an unknown store type, then the rest of the log: kRefuse reports it,
  // kSalvage keeps what came before it and cuts it (and everything after) from the file.
  const std::vector<std::byte>& log = corpus().log;
  std::vector<std::byte> bytes = log;
  const std::array<std::byte, 4> payload{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  std::array<std::byte, durable::kFrameHeaderSize> header{};
  durable::encode_frame_header(9, payload, header);
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  CHECK(open_damaged(bytes, RecoveryPolicy::kRefuse) == -1);
  FaultFileSystem fs;
  fs.create_directory("store");
  fs.set_contents(kLog, bytes);
  {
    auto store = StoreAccess::open(options(RecoveryPolicy::kSalvage), fs);
    CHECK(dump(*store, corpus().script.streams) == corpus().dumps[50]);
    store->append("after", Batch(1).span());
  }
  auto store = StoreAccess::open(options(RecoveryPolicy::kRefuse), fs);  // the bad frame is gone
  CHECK(store->stream_version("after") == 0);
}
