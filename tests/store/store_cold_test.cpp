// Residency (StoreOptions::resident_bytes, docs/residency.md): a log several times the resident
// bound reads back exactly, with and without compression; resident sealed bytes stay within the
// bound; the figures of memory_stats() match the files; faults of every segment-file call lose
// nothing (appends succeed, reads return the right events or a typed IoError, a later pass
// writes what failed); corrupt or truncated files throw CorruptionError, never a wrong event;
// compaction works on cold segments and removes the files of the segments it frees.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/durable/fault_file_system.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_access.hpp"
#include "store_check.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using durable::FaultFileSystem;
using orchestrix::test::OwnedEvent;
using orchestrix::test::OwnedEventData;
using Op = FaultFileSystem::Op;

namespace {

constexpr const char* kDir = "/store";
constexpr std::size_t kSegmentBytes = 64 * 1024;
constexpr std::size_t kResident = 64 * 1024;

// Deterministic payloads: repetitive JSON-like text of about `bytes` bytes.
std::string payload(std::uint64_t i, std::size_t bytes) {
  std::string s = "{\"seq\":" + std::to_string(i) + ",\"items\":[";
  std::uint64_t x = i * 2654435761U + 1;
  while (s.size() + 40 < bytes) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    s += "{\"sku\":\"item-" + std::to_string(x % 997) + "\",\"qty\":" + std::to_string(x % 13) +
         "},";
  }
  s += "{}]}";
  return s;
}

// n events, event i to stream i % streams, one append per event (deterministic).
struct Events {
  std::vector<OwnedEventData> owned;
  std::vector<std::string> stream_of;
  Events(std::size_t n, std::size_t streams, std::uint64_t seed = 0) : owned(n) {
    for (std::size_t i = 0; i < n; ++i) {
      owned[i].id = Uuid::v4();  // the same ids in every store given these Events
      owned[i].type = i % 3 == 0 ? "OrderPlaced" : "ItemAdded";
      owned[i].source = "/shop";
      owned[i].data = payload(i + seed, 120 + (i * 37) % 400);
      owned[i].time = Timestamp{static_cast<std::int64_t>(1'000'000 + i * 1000)};
      stream_of.push_back(orchestrix::test::numbered("order-", i % streams));
    }
  }
  void append_to(EventStore& store, std::size_t from = 0, std::size_t to = SIZE_MAX) const {
    for (std::size_t i = from; i < std::min(to, owned.size()); ++i) {
      store.append(stream_of[i], std::vector<EventData>{owned[i].view()});
    }
  }
};

StoreOptions cold_options(bool compression, std::size_t cache_bytes = 64 * 1024) {
  StoreOptions o;
  o.memory = alloc::system_resource();
  o.segment_bytes = kSegmentBytes;
  o.shards = 4;
  o.directory = kDir;
  o.resident_bytes = kResident;
  o.compression.enabled = compression;
  o.compression.cache_bytes = cache_bytes;
  return o;
}

std::vector<OwnedEvent> read_everything(const EventStore& store) {
  std::vector<OwnedEvent> out;
  for (const EventView& e : store.read_all()) out.push_back(OwnedEvent::of(e));
  return out;
}

std::vector<OwnedEvent> read_stream(const EventStore& store, const std::string& stream) {
  std::vector<OwnedEvent> out;
  for (const EventView& e : store.read(stream)) out.push_back(OwnedEvent::of(e));
  return out;
}

// The segment files in the directory and their total size.
std::uint64_t segment_file_bytes(FaultFileSystem& fs, std::size_t* count = nullptr) {
  std::uint64_t bytes = 0;
  std::size_t n = 0;
  for (const std::string& name : fs.list_directory(kDir)) {
    if (name.rfind("seg-", 0) != 0) continue;
    bytes += fs.file_size(durable::join_path(kDir, name));
    ++n;
  }
  if (count != nullptr) *count = n;
  return bytes;
}

// The same events in a memory-only store: the reference.
std::vector<OwnedEvent> reference(const Events& ev) {
  EventStore plain({.segment_bytes = kSegmentBytes, .shards = 4});
  ev.append_to(plain);
  return read_everything(plain);
}

}  // namespace

TEST_CASE("a log several times resident_bytes reads back exactly, within the bound") {
  const Events ev(6000, 7);
  const auto expected = reference(ev);
  for (const bool compression : {false, true}) {
    CAPTURE(compression);
    FaultFileSystem fs;
    fs.only_paths("seg-");  // the store's write-ahead log is synced; its segment files are not
    auto store = detail::StoreAccess::open(cold_options(compression), fs);
    ev.append_to(*store, 0, 100);
    store->save_snapshot("order-1", {5, "Agg", {}});
    ev.append_to(*store, 100);
    const StoreMemoryStats m = store->memory_stats();
    CHECK(m.resident_sealed_bytes <= kResident);
    CHECK(m.cold_segments > 0);
    CHECK(m.cold_record_bytes > 3 * kResident);
    std::size_t files = 0;
    CHECK(m.cold_file_bytes == segment_file_bytes(fs, &files));
    CHECK(files == m.cold_segments);
    CHECK(m.cold_write_failures == 0);
    CHECK(fs.count(Op::kSync) == 0);  // a spill: segment files are never synced
    CHECK(read_everything(*store) == expected);
    for (std::uint64_t s = 0; s < 7; ++s) {
      const std::string name = orchestrix::test::numbered("order-", s);
      std::vector<OwnedEvent> want;
      for (const OwnedEvent& e : expected) {
        if (e.stream == name) want.push_back(e);
      }
      CHECK(read_stream(*store, name) == want);
    }
    // A read from the middle of the log, and a snapshot taken before the segments went cold.
    std::size_t i = 1234;
    for (const EventView& e : store->read_all(Position{1234})) {
      REQUIRE(i < expected.size());
      CHECK(OwnedEvent::of(e) == expected[i]);
      ++i;
    }
    CHECK(i == expected.size());
    CHECK(store->load_snapshot("order-1").has_value());
    // The cache stays within its bound (cold raw segments' blocks included).
    CHECK(store->memory_stats().cache_bytes <= 64 * 1024 + kSegmentBytes);
    orchestrix::test::check_store(*store);
    store.reset();
    CHECK(segment_file_bytes(fs) == 0);  // closing frees every segment, and so its file
  }
}

TEST_CASE("a range pinned before its segment went cold keeps reading it") {
  const Events ev(4000, 3);
  const auto expected = reference(ev);
  for (const bool compression : {false, true}) {
    CAPTURE(compression);
    FaultFileSystem fs;
    auto store = detail::StoreAccess::open(cold_options(compression), fs);
    ev.append_to(*store, 0, 100);
    AllEventsRange range = store->read_all();
    auto it = range.begin();
    ev.append_to(*store, 100);
    CHECK(store->memory_stats().cold_segments > 0);
    std::size_t i = 0;
    for (; it != range.end(); ++it, ++i) CHECK(OwnedEvent::of(*it) == expected[i]);
    CHECK(i == 100);  // a range ends at the head it saw
  }
}

TEST_CASE("opening a store removes stale segment files and nothing else") {
  FaultFileSystem fs;
  fs.create_directory(kDir);
  const std::vector<std::byte> junk(10, std::byte{1});
  fs.set_contents("/store/seg-0000000000000000.orx", junk);
  fs.set_contents("/store/seg-0000000000000040-1.orx.tmp", junk);
  fs.set_contents("/store/log-0000000000000000.orx", junk);
  auto store = detail::StoreAccess::open(cold_options(false), fs);
  CHECK_FALSE(fs.exists("/store/seg-0000000000000000.orx"));
  CHECK_FALSE(fs.exists("/store/seg-0000000000000040-1.orx.tmp"));
  CHECK(fs.exists("/store/log-0000000000000000.orx"));
}

TEST_CASE("a failing segment-file call loses nothing; a later pass writes the segment") {
  const Events ev(3000, 5);
  const auto expected = reference(ev);
  // (op, nth) over the calls a run makes: each kind's first calls, and later ones.
  for (const bool compression : {false, true}) {
    for (const Op op : {Op::kOpen, Op::kWrite, Op::kRename, Op::kRead, Op::kRemove}) {
      for (const std::uint64_t nth : {1U, 2U, 4U}) {
        CAPTURE(compression);
        CAPTURE(static_cast<int>(op));
        CAPTURE(nth);
        FaultFileSystem fs;
        fs.only_paths("seg-");
        auto store = detail::StoreAccess::open(cold_options(compression, 64 * 1024), fs);
        fs.fail_nth(op, nth, EIO);
        ev.append_to(*store, 0, 2200);  // every append succeeds
        // A read meets the failure (kRead) as a typed IoError, or reads exactly.
        try {
          const auto got = read_everything(*store);
          CHECK(got == std::vector<OwnedEvent>(expected.begin(), expected.begin() + 2200));
        } catch (const IoError& e) {
          CHECK(op == Op::kRead);
          CHECK(e.error_number() == EIO);
          CHECK(e.path().find("seg-") != std::string::npos);
        }
        fs.clear_faults();
        ev.append_to(*store, 2200);  // later seals retry what failed
        const StoreMemoryStats m = store->memory_stats();
        CHECK(m.resident_sealed_bytes <= kResident);
        const bool write_op = op == Op::kOpen || op == Op::kWrite || op == Op::kRename;
        CHECK(m.cold_write_failures == (write_op && nth == 1 ? 1U : m.cold_write_failures));
        CHECK(m.cold_write_failures <= (write_op ? 1U : 0U));
        CHECK(read_everything(*store) == expected);
        orchestrix::test::check_store(*store);
      }
    }
  }
}

TEST_CASE("a disk that refuses every segment file keeps everything resident; short writes") {
  const Events ev(3000, 4);
  const auto expected = reference(ev);
  {
    FaultFileSystem fs;
    fs.only_paths("seg-");
    auto store = detail::StoreAccess::open(cold_options(true), fs);
    fs.fail_always(Op::kWrite, ENOSPC);
    ev.append_to(*store);
    const StoreMemoryStats m = store->memory_stats();
    CHECK(m.cold_segments == 0);
    CHECK(m.cold_write_failures > 0);
    CHECK(segment_file_bytes(fs) == 0);  // the partial tmp files were removed
    CHECK(read_everything(*store) == expected);
  }
  {
    FaultFileSystem fs;
    fs.only_paths("seg-");
    fs.short_writes(42);
    auto store = detail::StoreAccess::open(cold_options(false), fs);
    ev.append_to(*store);
    CHECK(store->memory_stats().cold_segments > 0);
    CHECK(read_everything(*store) == expected);
    orchestrix::test::check_store(*store);
  }
}

TEST_CASE("a corrupt or truncated segment file throws CorruptionError, never a wrong event") {
  const Events ev(3000, 5);
  const auto expected = reference(ev);
  for (const bool compression : {false, true}) {
    // Offsets into the file: magic, version, first position, block, last byte (the CRC).
    for (const int where : {0, 9, 17, 60, -1, -2}) {
      CAPTURE(compression);
      CAPTURE(where);
      FaultFileSystem fs;
      auto store = detail::StoreAccess::open(cold_options(compression, 64 * 1024), fs);
      ev.append_to(*store);
      REQUIRE(store->memory_stats().cold_segments > 1);
      // The second cold segment's file (the first by name after seg-0...).
      std::vector<std::string> names;
      for (const std::string& n : fs.list_directory(kDir)) {
        if (n.rfind("seg-", 0) == 0) names.push_back(n);
      }
      REQUIRE(names.size() > 1);
      const std::string path = durable::join_path(kDir, names[1]);
      std::vector<std::byte> bytes = fs.contents(path);
      if (where == -2) {
        bytes.resize(bytes.size() / 2);  // truncated
      } else {
        const std::size_t at = where >= 0 ? static_cast<std::size_t>(where) : bytes.size() - 1;
        bytes[at] ^= std::byte{0x10};
      }
      fs.set_contents(path, bytes);
      std::size_t i = 0;
      bool threw = false;
      try {
        for (const EventView& e : store->read_all()) {
          REQUIRE(i < expected.size());
          CHECK(OwnedEvent::of(e) == expected[i]);  // every event before the error is right
          ++i;
        }
      } catch (const CorruptionError&) {
        threw = true;
      }
      CHECK(threw);
      CHECK(i < expected.size());
    }
  }
}

TEST_CASE("compaction rewrites cold segments and removes the files of the segments it frees") {
  const Events ev(6000, 6);
  const auto expected = reference(ev);
  for (const bool compression : {false, true}) {
    CAPTURE(compression);
    FaultFileSystem fs;
    auto options = cold_options(compression);
    options.retention = RetentionPolicy::drop_before_snapshot();
    auto store = detail::StoreAccess::open(options, fs);
    ev.append_to(*store);
    const std::uint64_t files_before = segment_file_bytes(fs);
    // Drop the first 400 events of every stream (versions 0..399).
    for (std::uint64_t s = 0; s < 6; ++s) {
      store->save_snapshot(orchestrix::test::numbered("order-", s), {400, "Agg", {}});
    }
    const CompactionResult r = store->compact({.min_dead_ratio = 0.01});
    CHECK(r.segments_retired > 0);
    std::vector<OwnedEvent> want;
    for (const OwnedEvent& e : expected) {
      if (e.version >= 400) want.push_back(e);
    }
    CHECK(read_everything(*store) == want);
    const StoreMemoryStats m = store->memory_stats();
    CHECK(m.resident_sealed_bytes <= kResident);
    CHECK(m.cold_file_bytes == segment_file_bytes(fs));
    CHECK(segment_file_bytes(fs) < files_before);
    orchestrix::test::check_store(*store);
  }
}

TEST_CASE("a store with cold segments reopens from its log with every event, and spills again") {
  const Events ev(4000, 5);
  const auto expected = reference(ev);
  for (const bool compression : {false, true}) {
    CAPTURE(compression);
    FaultFileSystem fs;
    {
      auto store = detail::StoreAccess::open(cold_options(compression), fs);
      ev.append_to(*store, 0);
      REQUIRE(store->memory_stats().cold_segments > 0);
    }
    fs.crash();  // only what was synced survives: the log, not the segment files
    auto store = detail::StoreAccess::open(cold_options(compression), fs);
    const StoreMemoryStats m = store->memory_stats();
    CHECK(m.cold_segments > 0);
    CHECK(m.resident_sealed_bytes <= kResident);
    std::size_t files = 0;
    CHECK(m.cold_file_bytes == segment_file_bytes(fs, &files));
    CHECK(files == m.cold_segments);
    CHECK(read_everything(*store) == expected);
    detail::StoreAccess::check_invariants(*store);
  }
}
