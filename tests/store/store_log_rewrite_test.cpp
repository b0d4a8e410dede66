// compact() on a store with a directory rewrites its log (persist/log_rewrite.cpp): the next
// generation holds the retained state as a checkpoint, the old file goes, and a reopen shows the
// same store. Every file operation of the rewrite is failed in turn (then a crash): the store
// stays readable, refuses changes, and reopens to the acknowledged state with one log file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <string>
#include <vector>

#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/durable/fault_file_system.hpp"
#include "orchestrix/durable/log_format.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/workload.hpp"
#include "store_access.hpp"
#include "store_durable_support.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using namespace orchestrix::test;
using detail::StoreAccess;
using durable::FaultFileSystem;
using Op = FaultFileSystem::Op;

namespace {

const std::vector<std::string> kStreams = {"a", "b", "c", "d"};

StoreOptions rewrite_options(bool compression = false, std::uint64_t resident = 0) {
  StoreOptions o;
  o.directory = "store";
  o.durability = Durability::kOnCommit;
  o.segment_bytes = 64 * 1024;
  o.compression.enabled = compression;
  o.resident_bytes = resident;
  return o;
}

std::vector<std::byte> state_of(std::string_view s) {
  std::vector<std::byte> b(s.size());
  std::transform(s.begin(), s.end(), b.begin(), [](char c) { return static_cast<std::byte>(c); });
  return b;
}

// Streams a (300 events, all but the last 50 dropped), b (40, none dropped), c (20, all dropped)
// and d (retention override, nothing dropped), interleaved, with snapshots; payloads of 200 bytes.
void build(EventStore& store) {
  for (int i = 0; i < 30; ++i) {
    store.append("a", Batch(10, std::string(200, 'a')).span());
    if (i % 3 == 0) store.append("b", Batch(4, std::string(200, 'b')).span());
    if (i == 10) store.append("c", Batch(20, "c").span());
    if (i == 20) store.append("d", Batch(5, "d").span());
  }
  const std::vector<std::byte> sa = state_of("state of a");
  const std::vector<std::byte> sb = state_of("state of b");
  const std::vector<std::byte> sc = state_of("state of c");
  store.set_retention("a", RetentionPolicy::drop_before_snapshot());
  store.save_snapshot("a", SnapshotData{200, "A", sa});
  store.save_snapshot("a", SnapshotData{250, "A", sa});
  store.save_snapshot("b", SnapshotData{5, "B", sb});
  store.set_retention("c", RetentionPolicy::drop_before_snapshot());
  store.save_snapshot("c", SnapshotData{20, "C", sc});
  store.set_retention("d", RetentionPolicy::keep_before_snapshot(100));
}

std::vector<std::string> log_files(FaultFileSystem& fs) {
  std::vector<std::string> out;
  for (const std::string& name : fs.list_directory("store")) {
    if (name.rfind("log-", 0) == 0) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("log rewrite: compact() writes the retained state to the next generation") {
  std::uint64_t rewritten_bytes[2] = {0, 0};  // compression off, on
  for (const bool compression : {false, true}) {
    CAPTURE(compression);
    FaultFileSystem fs;
    const StoreOptions o = rewrite_options(compression);
    std::string expected;
    std::uint64_t head = 0;
    {
      auto store = StoreAccess::open(o, fs);
      build(*store);
      const std::uint64_t before = store->memory_stats().log_file_bytes;
      const std::string shown = dump(*store, kStreams);
      store->compact();
      CHECK(log_files(fs) == std::vector<std::string>{"log-000002.orx"});
      CHECK(dump(*store, kStreams) == shown);
      // 50 of a's 300 events, b's 40 and d's 5 are left of 365: the log shrank with them.
      CHECK(store->memory_stats().log_file_bytes < before / 2);
      CHECK(store->memory_stats().log_file_bytes == fs.contents("store/log-000002.orx").size());
      rewritten_bytes[compression ? 1 : 0] = store->memory_stats().log_file_bytes;
      head = store->head_position().value;
      // Appends continue in the new log, at the same positions and versions.
      const AppendResult r = store->append("a", Batch(3, "after").span());
      CHECK(r.first_position.value == head);
      CHECK(r.first_version == 300);
      StoreAccess::check_invariants(*store);
      expected = dump(*store, kStreams);
    }
    {
      auto store = StoreAccess::open(o, fs);
      CHECK(dump(*store, kStreams) == expected);
      CHECK(store->head_position().value == head + 3);
      CHECK(store->stream_version("c") == std::optional<std::uint64_t>(19));
      StoreAccess::check_invariants(*store);
      // Nothing dropped since: compact() leaves the log as it is.
      store->compact();
      CHECK(log_files(fs) == std::vector<std::string>{"log-000002.orx"});
      // A retention step, then compaction: the next generation.
      store->save_snapshot("a", SnapshotData{302, "A", state_of("later")});
      store->compact();
      CHECK(log_files(fs) == std::vector<std::string>{"log-000003.orx"});
      expected = dump(*store, kStreams);
      // A stream whose events were all dropped takes appends at its next version.
      CHECK(store->append("c", Batch(1, "c2").span(), ExpectedVersion::exact(19)).first_version ==
            20);
      expected = dump(*store, kStreams);
    }
    for (int again = 0; again < 2; ++again) {
      auto store = StoreAccess::open(o, fs);
      CHECK(dump(*store, kStreams) == expected);
      StoreAccess::check_invariants(*store);
    }
  }
  // With compression on the checkpoint's batches are zstd-packed: the payloads of 200 equal
  // bytes shrink to a fraction.
  CHECK(rewritten_bytes[1] * 3 < rewritten_bytes[0]);
}

TEST_CASE("log rewrite: cold segments are read back into the new log") {
  FaultFileSystem fs;
  const StoreOptions o = rewrite_options(false, 64 * 1024);
  const std::vector<std::string> names = {"s0", "s1", "s2", "s3", "s4", "s5", "s6"};
  std::string expected;
  {
    auto store = StoreAccess::open(o, fs);
    for (std::size_t i = 0; i < 400; ++i) {
      store->append(names[i % names.size()], Batch(8, std::string(300, 'x')).span());
    }
    store->set_retention("s0", RetentionPolicy::drop_before_snapshot());
    store->save_snapshot("s0", SnapshotData{400, "S", state_of("s0")});
    REQUIRE(store->memory_stats().cold_segments > 0);
    store->compact();
    CHECK(log_files(fs) == std::vector<std::string>{"log-000002.orx"});
    expected = dump(*store, names);
  }
  auto store = StoreAccess::open(o, fs);
  CHECK(dump(*store, names) == expected);
  StoreAccess::check_invariants(*store);
}

TEST_CASE("log rewrite: a failure or crash at every step keeps the acknowledged state") {
  const StoreOptions o = rewrite_options();
  int failures = 0;
  int completed = 0;
  for (const Op op :
       {Op::kOpen, Op::kWrite, Op::kSync, Op::kSyncDirectory, Op::kRename, Op::kRemove}) {
    for (std::uint64_t nth = 1;; ++nth) {
      CAPTURE(static_cast<int>(op));
      CAPTURE(nth);
      FaultFileSystem fs;
      std::string expected;
      bool reached = true;
      {
        auto store = StoreAccess::open(o, fs);
        build(*store);
        expected = dump(*store, kStreams);
        const std::uint64_t calls = fs.count(op);
        fs.fail_nth(op, nth, op == Op::kWrite ? ENOSPC : EIO);
        try {
          store->compact();
          ++completed;
          reached = fs.count(op) - calls >= nth;
        } catch (const IoError& e) {
          ++failures;
          CHECK(e.error_number() != 0);
          CHECK(dump(*store, kStreams) == expected);  // still readable
          StoreAccess::check_invariants(*store);
          CHECK_THROWS_AS(store->append("a", Batch(1).span()), IoError);
        }
        fs.clear_faults();
      }
      fs.crash();  // only what was synced survives
      {
        auto store = StoreAccess::open(o, fs);
        CHECK(dump(*store, kStreams) == expected);
        StoreAccess::check_invariants(*store);
        store->append("a", Batch(2).span());
      }
      const std::vector<std::string> files = log_files(fs);
      CHECK(files.size() == 1);
      if (!reached) break;
    }
  }
  CHECK(failures > 10);
  CHECK(completed > 0);
}

TEST_CASE("log rewrite: short writes, and a crash right after the rewrite") {
  FaultFileSystem fs;
  const StoreOptions o = rewrite_options();
  std::string expected;
  {
    auto store = StoreAccess::open(o, fs);
    build(*store);
    fs.short_writes(7);
    store->compact();
    expected = dump(*store, kStreams);
    fs.crash();  // the store object is gone with it below: nothing more is written
  }
  // The old log's removal was not synced: it may be back; the open takes the new one and
  // removes it.
  auto store = StoreAccess::open(o, fs);
  CHECK(dump(*store, kStreams) == expected);
  CHECK(log_files(fs) == std::vector<std::string>{"log-000002.orx"});
}

TEST_CASE("log rewrite: a reopened log that still holds dropped events is rewritten") {
  FaultFileSystem fs;
  const StoreOptions o = rewrite_options();
  {
    auto store = StoreAccess::open(o, fs);
    build(*store);  // drops events; no compact() before closing
  }
  auto store = StoreAccess::open(o, fs);
  const std::string shown = dump(*store, kStreams);
  store->compact();
  CHECK(log_files(fs) == std::vector<std::string>{"log-000002.orx"});
  CHECK(dump(*store, kStreams) == shown);
}

TEST_CASE("log rewrite: a compressed rewrite needs a few MiB from the store's resource") {
  // 200k seed events (5.3 MB held), compression on, a 1 MiB read cache: compact() with the
  // rewrite runs under a 12 MiB budget, takes at most 4 MiB more than the store held (read
  // cache, packer buffers, zstd contexts: all from the store's resource), and gives the
  // rewrite's buffers back.
  alloc::InstrumentedResource inst(alloc::system_resource(), {.peak_granularity_bytes = 0});
  alloc::BudgetResource budget(&inst, 12 * 1024 * 1024);
  FaultFileSystem fs;
  StoreOptions o = rewrite_options(true);
  o.memory = &budget;
  o.durability = Durability::kNone;
  o.compression.cache_bytes = 1024 * 1024;
  auto store = StoreAccess::open(o, fs);
  SeedWorkload w({.events = 200'000});
  WorkloadBatch b;
  std::string first;
  while (w.next(b)) {
    store->append(b.stream, b.events, ExpectedVersion::no_stream());
    if (first.empty()) first = b.stream;
  }
  store->set_retention(first, RetentionPolicy::drop_before_snapshot());
  store->save_snapshot(first, SnapshotData{1, "S", {}});
  const StoreMemoryStats before = store->memory_stats();
  inst.reset_peak();
  const std::size_t live = inst.stats().bytes_live;
  store->compact();  // BudgetExceeded here fails the test
  const StoreMemoryStats after = store->memory_stats();
  CHECK(log_files(fs) == std::vector<std::string>{"log-000002.orx"});
  CHECK(after.log_file_bytes * 2 < before.log_file_bytes);
  CHECK(inst.stats().peak_bytes_live <= live + 4 * 1024 * 1024);
  CHECK(after.log_buffer_bytes <= before.log_buffer_bytes + 64 * 1024);
  CHECK(after.codec_bytes <= before.codec_bytes + 512 * 1024);  // the read side's context
}

TEST_CASE("log rewrite: a damaged checkpoint is refused; damage after it is salvaged") {
  for (const bool compression : {false, true}) {
    std::vector<std::byte> rewritten;
    std::size_t checkpoint_end = 0;  // the file's size right after the rewrite
    {
      FaultFileSystem fs;
      auto store = StoreAccess::open(rewrite_options(compression), fs);
      build(*store);
      store->compact();
      checkpoint_end = fs.contents("store/log-000002.orx").size();
      for (int i = 0; i < 20; ++i) store->append("e", Batch(3, "e").span());
      rewritten = fs.contents("store/log-000002.orx");
    }
    const std::vector<std::string> streams = {"a", "b", "c", "d", "e", "z"};
    std::mt19937_64 rng(compression ? 2 : 1);
    int salvaged = 0;
    for (int seed = 0; seed < 60; ++seed) {
      CAPTURE(compression);
      CAPTURE(seed);
      // A flipped bit after the file header: inside the checkpoint, or in the frames after it.
      std::vector<std::byte> damaged = rewritten;
      const std::size_t at =
          durable::kFileHeaderSize + rng() % (damaged.size() - durable::kFileHeaderSize);
      damaged[at] ^= static_cast<std::byte>(1U << (rng() % 8));
      FaultFileSystem fs;
      fs.create_directory("store");
      fs.set_contents("store/log-000002.orx", damaged);
      StoreOptions salvage = rewrite_options(compression);
      salvage.recovery = RecoveryPolicy::kSalvage;
      if (at < checkpoint_end) {
        // No part of a checkpoint is a state the store had: refused under both policies.
        CHECK_THROWS_AS(StoreAccess::open(rewrite_options(compression), fs), CorruptionError);
        CHECK_THROWS_AS(StoreAccess::open(salvage, fs), CorruptionError);
        continue;
      }
      std::string expected;
      {
        auto store = StoreAccess::open(salvage, fs);  // the checkpoint and some of "e"
        StoreAccess::check_invariants(*store);
        CHECK(store->stream_version("a") == std::optional<std::uint64_t>(299));
        store->append("z", Batch(2, "z").span());
        expected = dump(*store, streams);
        ++salvaged;
      }
      auto store = StoreAccess::open(rewrite_options(compression), fs);
      CHECK(dump(*store, streams) == expected);
    }
    CHECK(salvaged > 0);
  }
}

TEST_CASE("log rewrite: a log of another store beside the store's own is refused") {
  FaultFileSystem mine;
  FaultFileSystem other;
  for (FaultFileSystem* fs : {&mine, &other}) {
    auto store = StoreAccess::open(rewrite_options(), *fs);
    build(*store);
    if (fs == &mine) store->compact();  // log-000002.orx, the same store id as before
  }
  // Both generations of one store (a crash between the rename and the removal leaves them) open
  // fine (the failure sweep above); a generation of another store does not.
  mine.set_contents("store/log-000001.orx", other.contents("store/log-000001.orx"));
  for (const RecoveryPolicy policy : {RecoveryPolicy::kRefuse, RecoveryPolicy::kSalvage}) {
    StoreOptions o = rewrite_options();
    o.recovery = policy;
    try {
      (void)StoreAccess::open(o, mine);
      FAIL("a foreign log was accepted");
    } catch (const CorruptionError& e) {
      CHECK(e.kind() == CorruptionError::Kind::kForeignStore);
      CHECK(e.path() == "store/log-000001.orx");
    }
  }
  CHECK(mine.exists("store/log-000001.orx"));  // nothing removed
}
