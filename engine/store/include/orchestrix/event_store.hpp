// orchestrix/event_store.hpp — START HERE. The in-memory event store.
//
// An EventStore keeps streams of events as compact binary records appended to large segments
// taken from one std::pmr::memory_resource (StoreOptions::memory). Every byte it holds comes
// from that resource; memory_stats() says where each byte went. Record format, memory figures
// and the concurrency design: docs/architecture.md.
//
//   orchestrix::EventStore store({.memory = &my_resource});
//   store.append("agg-1", events, orchestrix::ExpectedVersion::no_stream());
//   for (const orchestrix::EventView& e : store.read("agg-1")) use(e.type(), e.data());
//
// Streams: named by a stream id of 1..1024 bytes; created by their first append; never deleted.
// Versions are 0-based and dense. Every event also gets a global Position (dense, 0-based, in
// commit order) so projections can read everything in order and resume (read_all()).
//
// Errors (errors.hpp): InvalidArgument for bad input (what() says which), ConcurrencyError for a
// failed ExpectedVersion, ReadBelowRetained for a strict read below the retained range, and
// std::bad_alloc (orchestrix::alloc::BudgetExceeded when the resource is a budget) when the
// resource refuses memory. Every operation that throws leaves the store's contents unchanged and
// the store fully usable (strong guarantee). A rejected append (bad input, ConcurrencyError) or
// refused snapshot does not touch the intern table either; only an append that passed its checks
// and then failed (bad_alloc, or the 65,536-shape limit midway through a batch) may keep the new
// (type, source, content type) shapes it interned before failing.
//
// Thread safety: every member function may be called concurrently from any number of threads.
// Appends to streams in different shards validate, check versions and encode in parallel; they
// share one short critical section that reserves global positions and log space, and they become
// visible in position order (a batch waits for the batches reserved before it). Appends to one
// stream (or one shard) are serialized. Readers take a shared lock per 64-event run, never the
// log lock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "orchestrix/event.hpp"
#include "orchestrix/event_range.hpp"
#include "orchestrix/expected_version.hpp"
#include "orchestrix/snapshot.hpp"
#include "orchestrix/store_memory_stats.hpp"
#include "orchestrix/store_options.hpp"

namespace orchestrix {

namespace detail {
struct StoreAccess;
}
namespace durable {
class FileSystem;
}

// What an append did.
struct AppendResult {
  // Version of the batch's first event and of its last event (the stream's new head; pass it
  // as ExpectedVersion::exact() to the next append). For an empty batch both are the stream's
  // last version (0 when the stream has no events) and count is 0.
  std::uint64_t first_version = 0;
  std::uint64_t last_version = 0;
  // Global position of the batch's first event.
  Position first_position;
  // Number of events in the batch.
  std::size_t count = 0;
  // false when nothing was written: an idempotent retry of a batch already stored, or an empty
  // batch.
  bool written = false;
};

// What compact() did. Segments are *retired*: their memory returns to the resource at once when
// no read range is alive, otherwise when the last range pinned before the compaction goes.
struct CompactionResult {
  std::uint64_t segments_retired = 0;  // segments taken out of the log
  std::uint64_t bytes_retired = 0;     // their block bytes (what returns to the resource)
  std::uint64_t segments_written = 0;  // fresh segments holding the moved live records
  std::uint64_t bytes_written = 0;     // their block bytes
  std::uint64_t live_bytes_moved = 0;  // record bytes copied (the work done)
  // true when the resource refused memory after the first group of segments was rewritten:
  // compact() stopped there (see EventStore::compact) and the figures above count what it did.
  bool out_of_memory = false;
};

struct CompactionOptions {
  // A sealed segment is rewritten when at least this fraction of its record bytes is dead.
  // Range (0, 1]. Adjacent qualifying segments are merged into as few segments as fit.
  double min_dead_ratio = 0.25;
};

// How read() treats a from_version below the stream's retained range.
enum class BelowRetained : std::uint8_t {
  kClamp,  // start at the first retained version; EventRange::truncated() reports it
  kThrow,  // throw ReadBelowRetained
};

class EventStore {
 public:
  // Takes the store's own bookkeeping (a few KiB: shard tables, pin state) from
  // options.memory. Throws InvalidArgument for an option out of range. With options.directory:
  // takes the directory's lock and recovers the store from its log (docs/durability.md,
  // "Recovery"); throws IoError (a file operation failed; EWOULDBLOCK: another store holds the
  // directory) or CorruptionError (the log is damaged; file and byte offset in what()).
  explicit EventStore(const StoreOptions& options = {});
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Appends `events` to `stream` as one atomic batch: all get consecutive versions and
  // consecutive global positions, or none is stored. Copies every byte of the events.
  //
  // Idempotent retry: if every event of the batch carries an id and the stream already holds
  // events with exactly those ids at the versions the batch would get (for any(): the stream's
  // last events), the call succeeds, writes nothing and returns written == false.
  //
  // Throws: InvalidArgument (stream id empty or > 1024 bytes, an event with an empty or too long
  // type/source/content type, payload > max_payload_bytes, too many distinct types);
  // ConcurrencyError (expected version mismatch, or ids that only partly match a stored batch);
  // std::bad_alloc from the resource. On any throw nothing was appended, except: with a
  // directory, IoError (the log's write or sync failed; every later change is refused with
  // IoError until the store is reopened). After a failed write nothing was appended; after a
  // failed sync (kOnCommit) the batch is visible in memory but not acknowledged (a crash may
  // lose it). With a directory the batch is in the log before the call returns, as durable as
  // StoreOptions::durability says; concurrent appends share one sync.
  // Cost: O(batch bytes) + O(log n) in the stream's size; no allocation except when a segment
  // fills (one segment allocation) or a stream's locator array grows (amortized).
  AppendResult append(std::string_view stream, std::span<const EventData> events,
                      ExpectedVersion expected = ExpectedVersion::any());

  // The events of `stream` with version >= from_version, in version order, up to the head at
  // the time of the call. A missing stream gives an empty range. Below the retained range, see
  // BelowRetained. O(log n) to start, then O(1) per event.
  EventRange read(std::string_view stream, std::uint64_t from_version = 0,
                  BelowRetained below = BelowRetained::kClamp) const;

  // Every retained event with position >= from, in global order, up to the head at the time of
  // the call. O(segments) to start, then O(1) per event.
  AllEventsRange read_all(Position from = {}) const;

  // The version of the stream's last event; nullopt when the stream has no events.
  std::optional<std::uint64_t> stream_version(std::string_view stream) const;

  // The position the next appended event will get (= number of events ever appended). Every
  // event with a smaller position is committed and visible to read_all().
  Position head_position() const noexcept;

  // Blocks until head_position() > after (an event at position `after` has been committed), or
  // until `timeout` passes; returns head_position() either way. The catch-up-then-live loop of a
  // subscription: read_all(p) ... p = last position + 1; wait_for_append(p, t); read_all(p) ...
  // A timeout that reaches past the steady clock's range (std::chrono::nanoseconds::max(), the
  // usual "wait forever") waits with no deadline; a zero or negative one does not wait.
  // Cost when nobody waits: appends pay one atomic load to see that no thread waits.
  Position wait_for_append(Position after, std::chrono::nanoseconds timeout) const;

  // Stores a snapshot of `stream` (copying the state) and applies the stream's retention
  // policy: events it marks dead are no longer readable (read() reports the first retained
  // version) and their bytes count as dead_record_bytes until compact(). REQUIRES: the stream
  // exists and
  // snapshot.version <= its event count, and snapshot.version >= the version of the stream's
  // latest snapshot (a newer or equal version replaces nothing older than the oldest kept).
  // Throws InvalidArgument otherwise (and for an empty/too long type or state over
  // max_payload_bytes), std::bad_alloc from the resource. Applies the retention policy. With a
  // directory: logged like an append (same durability, same IoError rules).
  void save_snapshot(std::string_view stream, const SnapshotData& snapshot);

  // The stream's latest snapshot; nullopt when it has none.
  std::optional<Snapshot> load_snapshot(std::string_view stream) const;
  // The newest kept snapshot with version <= max_version; nullopt when none qualifies.
  std::optional<Snapshot> load_snapshot(std::string_view stream, std::uint64_t max_version) const;

  // Sets the retention policy of one existing stream (overriding StoreOptions::retention). It
  // applies from the stream's next save_snapshot(). Throws InvalidArgument for a missing stream.
  // With a directory: logged like an append (same durability, same IoError rules).
  void set_retention(std::string_view stream, RetentionPolicy policy);

  // Rewrites sparse sealed segments: copies their live records into fresh segments (keeping
  // global order), updates the stream locators and retires the old segments (see
  // CompactionResult). Versions, positions, stream_version(), expected-version checks and
  // read_all() order are unchanged; events below a retained range are gone for good.
  // Safe while other threads append and read; one compaction runs at a time (a second call
  // waits). Memory: rewrites one group of adjacent segments (at most one segment of live
  // bytes) at a time, so it needs one extra segment at a time, not a copy of everything.
  // Out of memory: throws std::bad_alloc when the resource refuses memory before the first
  // group is rewritten (its plan, the first fresh segment or reclaim record), and then nothing
  // changed (same segments, same memory_stats(), the tail still open to appends). If it runs
  // out after that, it does not throw: the groups rewritten so far stay rewritten (every retained
  // event reads back identically, memory_stats() exact), the others stay as they were (the
  // tail open again), and the result has out_of_memory set; the next compact() continues.
  // Cost: O(bytes moved) plus a shard lock per moved run.
  CompactionResult compact(CompactionOptions options = {});

  // Bytes held, by category; see store_memory_stats.hpp.
  StoreMemoryStats memory_stats() const;

  // The resource every byte comes from (options.memory, or the default resource).
  std::pmr::memory_resource* memory_resource() const noexcept;

 private:
  // Internal: the tests' view of the internals (engine/store/src/store_access.hpp), among it
  // a walk that checks every invariant of the structure.
  friend struct detail::StoreAccess;
  // Internal: a store whose files go through `fs` (tests inject faults; StoreAccess::open).
  EventStore(const StoreOptions& options, durable::FileSystem& fs);
  detail::StoreImpl* impl_;
};

}  // namespace orchestrix
