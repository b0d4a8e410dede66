// Compression dictionaries (CompressionOptions::dictionary, docs/compression.md "Dictionaries"):
// trained from the store's own sealed segments, they make small segments smaller; every event
// reads back exactly across retraining; an old dictionary lives while a segment needs it and is
// freed once compaction removed the last such segment; reference counts and the dictionary
// category are checked by the invariant walk; a failing allocation anywhere in sampling,
// training or dictionary use loses nothing.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "orchestrix/alloc/failing_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/event_store.hpp"
#include "store_access.hpp"
#include "store_check.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using orchestrix::detail::StoreAccess;
using orchestrix::test::OwnedEvent;
using orchestrix::test::OwnedEventData;

namespace {

std::uint64_t next(std::uint64_t& x) {
  x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  return x >> 17;
}

// A family's vocabulary: 400 key names of three words each, fixed by the family's seed.
std::vector<std::string> vocabulary(std::uint64_t seed) {
  static const char* const kWords[] = {
      "repository",  "pull_request", "installation", "organization", "sender",   "commits",
      "head_commit", "milestone",    "reviewers",    "deployment",   "workflow", "check_suite",
      "labels",      "assignees",    "permissions",  "visibility",   "license",  "statuses",
      "comments",    "branches",     "mergeable",    "timestamp",    "avatar",   "followers"};
  std::vector<std::string> keys;
  std::uint64_t x = seed;
  for (int i = 0; i < 400; ++i) {
    keys.push_back(std::string(kWords[next(x) % 24]) + "_" + kWords[next(x) % 24] + "_" +
                   kWords[next(x) % 24] + "_" + std::to_string(i));
  }
  return keys;
}

// Webhook-shaped JSON of about `bytes` bytes: fields named from the family's vocabulary with
// URL values and numbers; `hex` adds a 24-digit random token per field (less compressible).
std::string payload(std::uint64_t i, std::size_t bytes, const std::vector<std::string>& keys,
                    const std::string& family, bool hex) {
  static const char kHex[] = "0123456789abcdef";
  std::uint64_t x = i * 2654435761U + 7;
  std::string s = "{\"seq\":" + std::to_string(i) + ",\"" + family + "\":{";
  while (s.size() + 120 < bytes) {
    const std::string& key = keys[next(x) % keys.size()];
    s += "\"" + key + "\":\"https://api.example.org/" + family + "/" + key + "/" +
         std::to_string(next(x) % 5000) + "\",";
    if (hex) {
      s += "\"token\":\"";
      for (int k = 0; k < 24; ++k) s += kHex[next(x) % 16];
      s += "\",";
    }
  }
  s += "\"end\":true}}";
  return s;
}

struct Events {
  std::vector<OwnedEventData> owned;
  std::vector<std::string> stream_of;
  Events(std::size_t n, std::size_t bytes, const std::string& family, bool hex, std::size_t streams)
      : owned(n) {
    const std::vector<std::string> keys = vocabulary(family.size() * 977 + family[0]);
    for (std::size_t i = 0; i < n; ++i) {
      owned[i].type = family + ".Changed";
      owned[i].source = "/hooks/" + family;
      owned[i].data = payload(i, bytes, keys, family, hex);
      owned[i].id = Uuid::v4_from_bits(i * 7919 + 1, i * 104729 + 3);
      owned[i].time = Timestamp{static_cast<std::int64_t>(1'000'000 + i * 1000)};
      stream_of.push_back(orchestrix::test::numbered(family + "-", i % streams));
    }
  }
  void append_to(EventStore& store) const {
    for (std::size_t i = 0; i < owned.size(); ++i) {
      store.append(stream_of[i], std::vector<EventData>{owned[i].view()});
    }
  }
};

StoreOptions options(std::pmr::memory_resource* memory, std::size_t segment_bytes,
                     bool dictionary) {
  StoreOptions o;
  o.memory = memory;
  o.segment_bytes = segment_bytes;
  o.shards = 4;
  o.retention = RetentionPolicy::drop_before_snapshot();
  o.compression.enabled = true;
  o.compression.dictionary = dictionary;
  o.compression.cache_bytes = 256 * 1024;
  return o;
}

}  // namespace

TEST_CASE("a trained dictionary makes 64 KiB segments of JSON events smaller") {
  const Events events(3000, 1200, "hub", false, 16);
  alloc::InstrumentedResource plain_memory(alloc::system_resource());
  EventStore plain(options(&plain_memory, 64 * 1024, false));
  alloc::InstrumentedResource memory(alloc::system_resource());
  EventStore store(options(&memory, 64 * 1024, true));
  events.append_to(plain);
  events.append_to(store);

  const StoreMemoryStats p = plain.memory_stats();
  const StoreMemoryStats m = store.memory_stats();
  MESSAGE("compressed bytes without / with dictionary: ", p.compressed_bytes, " / ",
          m.compressed_bytes, " (dictionary bytes ", m.dictionary_bytes, ")");
  CHECK(p.dictionary_bytes == 0);
  CHECK(StoreAccess::dictionary_versions(plain).empty());
  CHECK(StoreAccess::dictionary_versions(store) == std::vector<std::uint32_t>{1});
  CHECK(m.compressed_segments == p.compressed_segments);
  CHECK(m.dictionary_bytes > 0);
  // Deterministic payloads (the records' append times vary the total by < 0.1%): with the
  // dictionary the frames are at least 2% smaller in total, the first segments (compressed
  // while samples were collected) included.
  CHECK(m.compressed_bytes * 100 < p.compressed_bytes * 98);
  CHECK(m.total_bytes() == memory.bytes_live());
  orchestrix::test::check_store(store);
  CHECK(orchestrix::test::read_everything(store) == orchestrix::test::read_everything(plain));
  orchestrix::test::check_store(store);
}

TEST_CASE("retraining keeps every segment readable; the old dictionary goes with its segments") {
  const Events first(2000, 1200, "hub", false, 8);
  const Events second(3000, 1200, "ci", true, 8);
  alloc::InstrumentedResource memory(alloc::system_resource());
  EventStore store(options(&memory, 64 * 1024, true));
  first.append_to(store);
  CHECK(StoreAccess::dictionary_versions(store) == std::vector<std::uint32_t>{1});
  second.append_to(store);
  // The second family's ratio with version 1 fell by more than the threshold: version 2 was
  // trained on it; version 1 stays while the first family's segments need it.
  const std::vector<std::uint32_t> versions = StoreAccess::dictionary_versions(store);
  REQUIRE(versions.size() == 2);
  CHECK(versions[0] == 1);
  CHECK(versions[1] == 2);
  orchestrix::test::check_store(store);

  std::vector<OwnedEvent> expected;
  {
    alloc::InstrumentedResource plain_memory(alloc::system_resource());
    EventStore plain(options(&plain_memory, 64 * 1024, false));
    first.append_to(plain);
    second.append_to(plain);
    expected = orchestrix::test::read_everything(plain);
    CHECK(orchestrix::test::read_everything(store) == expected);
  }

  // Drop every event (snapshots at each stream's end; retention drops what is before them) and
  // compact: the segments go, and with them every segment's dictionary reference.
  const StoreMemoryStats before = store.memory_stats();
  for (std::size_t s = 0; s < 8; ++s) {
    store.save_snapshot(orchestrix::test::numbered("hub-", s), {2000 / 8, "Hub", {}});
    store.save_snapshot(orchestrix::test::numbered("ci-", s), {3000 / 8, "Ci", {}});
  }
  store.compact();
  orchestrix::test::check_store(store);
  // Version 1 is gone; version 2 is held only while it is current (its trials decide).
  const std::vector<std::uint32_t> left = StoreAccess::dictionary_versions(store);
  CHECK((left.empty() || left == std::vector<std::uint32_t>{2}));
  const StoreMemoryStats after = store.memory_stats();
  CHECK(after.dictionary_bytes < before.dictionary_bytes);
  CHECK(after.compressed_segments == 0);
  CHECK(after.total_bytes() == memory.bytes_live());
  CHECK(orchestrix::test::read_everything(store).empty());
}

TEST_CASE("a failing allocation in sampling, training or dictionary use loses nothing") {
  const Events seed(380, 1200, "hub", false, 4);
  const Events more(300, 1200, "hub", false, 1);  // fills the samples, trains, runs the trials
  std::vector<EventData> batch;
  for (std::size_t i = 100; i < more.owned.size(); ++i) batch.push_back(more.owned[i].view());
  auto make = [&](alloc::FailingResource& failing) {
    auto store = std::make_unique<EventStore>(options(&failing, 64 * 1024, true));
    seed.append_to(*store);
    return store;
  };
  std::uint64_t needed = 0;
  {
    alloc::InstrumentedResource inst(alloc::system_resource());
    alloc::FailingResource failing(&inst);
    auto store = make(failing);
    REQUIRE(StoreAccess::dictionary_versions(*store).empty());
    failing.set_fail_at(0);
    store->append("fresh", batch);
    needed = failing.allocate_calls();
    REQUIRE(StoreAccess::dictionary_versions(*store) == std::vector<std::uint32_t>{1});
  }
  for (std::uint64_t n = 1; n <= needed + 1; ++n) {
    CAPTURE(n);
    alloc::InstrumentedResource inst(alloc::system_resource());
    alloc::FailingResource failing(&inst);
    auto store = make(failing);
    const std::vector<OwnedEvent> before = orchestrix::test::read_everything(*store);
    failing.set_fail_at(n);
    bool threw = false;
    try {
      store->append("fresh", batch, ExpectedVersion::no_stream());
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    failing.set_fail_at(0);
    orchestrix::test::check_store(*store);
    inst.check_invariants();
    CHECK(store->memory_stats().total_bytes() == inst.bytes_live());
    const std::vector<OwnedEvent> after = orchestrix::test::read_everything(*store);
    if (threw) {
      REQUIRE(after == before);
      store->append("fresh", batch, ExpectedVersion::no_stream());
    } else {
      REQUIRE(after.size() == before.size() + batch.size());
    }
    REQUIRE(orchestrix::test::read_stream(*store, "fresh").size() == batch.size());
    // Further appends compress (with a dictionary or without) and read back.
    more.append_to(*store);
    orchestrix::test::check_store(*store);
    CHECK(store->memory_stats().total_bytes() == inst.bytes_live());
  }
}
