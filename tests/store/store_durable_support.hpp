// Helpers shared by the tests of a store with a directory: a deterministic script of changes
// (appends with explicit ids and times, snapshots, retention, compaction) that can be run on a
// durable store and on a memory-only reference, and a text dump of everything a store shows,
// to compare two stores (or a store before and after reopening) exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrix/detail/splitmix64.hpp"
#include "orchestrix/event_store.hpp"
#include "store_test_util.hpp"

namespace orchestrix::test {

inline std::string hex_of(std::span<const std::byte> b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (const std::byte x : b) {
    out.push_back(kDigits[static_cast<unsigned>(x) >> 4U]);
    out.push_back(kDigits[static_cast<unsigned>(x) & 15U]);
  }
  return out;
}

// Everything the store shows: every event of read_all() with every field, and per stream its
// version, retained range and latest snapshot.
inline std::string dump(const EventStore& store, const std::vector<std::string>& streams) {
  std::ostringstream o;
  o << "head " << store.head_position().value << "\n";
  for (const EventView& e : store.read_all()) {
    o << e.position().value << ' ' << e.stream() << ' ' << e.version() << ' ' << e.id().to_string()
      << ' ' << e.type() << ' ' << e.source() << ' ' << e.content_type() << ' '
      << e.time().unix_nanos() << ' ' << hex_of(e.data()) << ' ' << hex_of(e.attributes()) << ' '
      << (e.correlation_id() ? e.correlation_id()->to_string() : "-") << ' '
      << (e.causation_id() ? e.causation_id()->to_string() : "-") << "\n";
  }
  for (const std::string& s : streams) {
    o << "stream " << s << ' ';
    const std::optional<std::uint64_t> v = store.stream_version(s);
    o << (v ? std::to_string(*v) : "none");
    if (v) {
      const EventRange r = store.read(s, 0, BelowRetained::kClamp);
      std::uint64_t first = ~std::uint64_t{0};
      std::uint64_t n = 0;
      for (const EventView& e : r) {
        if (n++ == 0) first = e.version();
      }
      o << " retained " << first << '+' << n;
      if (const std::optional<Snapshot> snap = store.load_snapshot(s)) {
        o << " snapshot " << snap->version() << ' ' << snap->type() << ' ' << hex_of(snap->state());
      }
    }
    o << "\n";
  }
  return o.str();
}

// One change of a script: applies itself to a store (throws what the store throws).
using Change = std::function<void(EventStore&)>;

struct Script {
  std::vector<std::string> streams;
  std::vector<Change> changes;
};

// A deterministic script of `n` changes over `stream_count` streams, drawn from `seed`: appends of
// 1..max_batch events (every field kind: ids, times, sources, content types, correlation and
// causation ids, attributes, empty and larger payloads), snapshots, set_retention and compaction.
// Every event has an explicit id and time, so two stores running it hold identical events.
inline Script make_script(std::uint64_t seed, std::size_t n, std::size_t stream_count = 4,
                          std::size_t max_batch = 12) {
  Script s;
  for (std::size_t i = 0; i < stream_count; ++i) s.streams.push_back(numbered("stream-", i));
  std::uint64_t state = seed;
  auto next = [&] { return detail::splitmix64(state); };
  std::vector<std::uint64_t> versions(stream_count, 0);  // events appended so far, per stream
  for (std::size_t c = 0; c < n; ++c) {
    const std::size_t stream = next() % stream_count;
    const std::uint64_t kind = next() % 10;
    const std::string name = s.streams[stream];
    if (kind < 7 || versions[stream] == 0) {
      const std::size_t count = 1 + next() % max_batch;
      auto owned = std::make_shared<std::vector<OwnedEventData>>(count);
      auto attrs = std::make_shared<std::vector<std::string>>(count);
      for (std::size_t i = 0; i < count; ++i) {
        OwnedEventData& e = (*owned)[i];
        e.id = Uuid::v4_from_bits(next(), next());
        e.time = Timestamp(
            static_cast<std::int64_t>(1'700'000'000'000'000'000 + next() % 1'000'000'000'000));
        e.type = numbered("Type", next() % 3);
        if (next() % 2 == 0) e.source = numbered("/source/", next() % 2);
        if (next() % 3 == 0) e.content_type = "application/json";
        if (next() % 4 == 0) e.correlation_id = Uuid::v4_from_bits(next(), 1);
        if (next() % 4 == 0) e.causation_id = Uuid::v4_from_bits(next(), 2);
        const std::uint64_t size_kind = next() % 8;
        const std::size_t size = size_kind == 0 ? 0 : size_kind == 1 ? 20'000 : next() % 200;
        e.data.resize(size);
        for (char& ch : e.data) ch = static_cast<char>('a' + next() % 26);
        if (next() % 5 == 0) (*attrs)[i] = numbered("attr-", next());
      }
      const std::uint64_t expected = versions[stream];
      versions[stream] += count;
      s.changes.push_back([owned, attrs, name, expected](EventStore& store) {
        std::vector<EventData> events;
        for (std::size_t i = 0; i < owned->size(); ++i) {
          EventData e = (*owned)[i].view();
          e.attributes = bytes_of((*attrs)[i]);
          events.push_back(e);
        }
        const ExpectedVersion ev =
            expected == 0 ? ExpectedVersion::no_stream() : ExpectedVersion::exact(expected - 1);
        store.append(name, events, ev);
      });
    } else if (kind < 9) {
      const std::uint64_t version = next() % (versions[stream] + 1);
      auto state_bytes = std::make_shared<std::string>(numbered("state-", next()));
      if (next() % 4 == 0) state_bytes->resize(6000, 's');
      s.changes.push_back([name, version, state_bytes, c](EventStore& store) {
        // Snapshots only move forward; an older one is skipped by the script, the same way on
        // every store.
        const std::optional<Snapshot> latest = store.load_snapshot(name);
        if (latest && latest->version() > version) return;
        store.save_snapshot(
            name, SnapshotData{version, c % 2 == 0 ? "Snap" : "Other", bytes_of(*state_bytes)});
      });
    } else {
      const std::uint64_t which = next() % 4;
      const std::uint64_t keep = next() % 5;
      s.changes.push_back([name, which, keep](EventStore& store) {
        if (which == 3) {
          store.compact(CompactionOptions{0.1});
          return;
        }
        store.set_retention(name, which == 0   ? RetentionPolicy::keep_all()
                                  : which == 1 ? RetentionPolicy::keep_before_snapshot(keep)
                                               : RetentionPolicy::drop_before_snapshot());
      });
    }
  }
  return s;
}

// The dumps of a memory-only store after each prefix of the script: dumps[k] is the state after
// the first k changes.
inline std::vector<std::string> prefix_dumps(const Script& s, const StoreOptions& base) {
  StoreOptions o = base;
  o.directory.clear();
  EventStore store(o);
  std::vector<std::string> out{dump(store, s.streams)};
  for (const Change& c : s.changes) {
    c(store);
    out.push_back(dump(store, s.streams));
  }
  return out;
}

}  // namespace orchestrix::test
