// Internal: the EventStore's state and algorithms. Map of the structure:
//
//   StoreImpl
//    ├─ CategoryResource x12  one counting adapter per StoreMemoryStats category, all over
//    │                        options.memory
//    ├─ InternTable           (type, source, content type) -> shape id
//    ├─ Shard[shards]         shared_mutex + hash map stream id -> StreamState*
//    │    └─ StreamState      event_count, first_retained, locators (one per run), snapshots
//    ├─ the log               Segment list in position order; log_mu_ guards the tail
//    │    └─ Segment          runs of <= 64 records of one stream (record_codec.hpp)
//    ├─ ReclaimDomain         read pins; retired segments and blocks freed after their readers
//    ├─ SegmentCompressor     zstd for sealed segments (codec/compress_sealed.cpp, under
//    │                        compact_mu_)
//    ├─ SegmentCache          decompressed compressed segments, bounded (codec/segment_cache.hpp)
//    ├─ waiters               wait_for_append()'s condition variable
//    └─ log_                  with a directory: the write-ahead log (persist/, docs/durability.md)
//
// Lock order: compact_mu_ -> shard (exclusive or shared) -> log_mu_ -> intern / reclaim mutex
// -> cache mutex (a leaf).
// Readers never take log_mu_. Appends hold log_mu_ only to reserve positions and space; they
// encode outside it and publish in position order (store_impl.cpp, write_batch).
// With a directory, log_mu_ -> the LogWriter's mutex: a batch's frame is written while its
// positions are reserved (so the file holds batches in position order); the wait for the sync
// happens after every store lock is released (group commit).
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string_view>
#include <unordered_map>

#include "category_resource.hpp"
#include "codec/dictionary.hpp"
#include "codec/segment_cache.hpp"
#include "codec/zstd_codec.hpp"
#include "format/record_codec.hpp"
#include "format/snapshot_blob.hpp"
#include "index/intern_table.hpp"
#include "index/stream_state.hpp"
#include "log/reclaim.hpp"
#include "log/segment.hpp"
#include "orchestrix/durable/directory_lock.hpp"
#include "orchestrix/durable/file_system.hpp"
#include "orchestrix/durable/log_writer.hpp"
#include "orchestrix/event_store.hpp"
#include "persist/packed_frames.hpp"
#include "persist/store_frames.hpp"

namespace orchestrix::detail {

// A stream id with its hash, computed once per append: it picks the shard and probes the
// shard's table (which hashes plain stream ids the same way).
struct StreamKey {
  explicit StreamKey(std::string_view stream) noexcept
      : name(stream), hash(std::hash<std::string_view>{}(stream)) {}
  std::string_view name;
  std::size_t hash;
};

// Not noexcept for plain ids, so that libstdc++ keeps each node's hash (as it does for
// std::hash<std::string_view>): probing then compares hashes and never rehashes a stored id.
struct StreamHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  std::size_t operator()(const StreamKey& k) const noexcept { return k.hash; }
};

struct StreamEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
  bool operator()(const StreamKey& a, std::string_view b) const noexcept { return a.name == b; }
  bool operator()(std::string_view a, const StreamKey& b) const noexcept { return a == b.name; }
};

struct alignas(64) Shard {
  explicit Shard(std::pmr::memory_resource* table_memory) : streams(table_memory) {}
  mutable std::shared_mutex mu;
  std::pmr::unordered_map<std::string_view, StreamState*, StreamHash, StreamEq> streams;
};

constexpr std::size_t kMaxStreamIdBytes = 1024;
constexpr std::size_t kMaxTypeBytes = 255;
constexpr std::size_t kMaxSourceBytes = 1024;
constexpr std::size_t kMaxContentTypeBytes = 255;

// What StoreImpl::scan() learned about a batch it accepted, and its plan: the record bytes of
// each canonical run, the records [64k, 64k + 64) of the batch, for the first kPlannedRuns.
// NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): run_bytes is filled up to planned_runs
struct BatchScan {
  static constexpr std::size_t kPlannedRuns = 256;  // 16,384 events

  std::uint32_t first_shape = 0;  // shape id of events[0], when shapes_known
  bool shapes_known = true;       // every shape of the batch is interned already
  bool one_shape = true;          // every event has events[0]'s shape
  bool needs_clock = false;       // some event has no time; `now` is its time then
  std::int64_t now = 0;
  std::size_t planned_runs = 0;  // runs whose bytes are in run_bytes (0 unless shapes_known)
  std::array<std::uint64_t, kPlannedRuns> run_bytes;  // left uninitialized: 2 KiB per append
};

class StoreImpl {
 public:
  // `fs`: every file access of a store with a directory (the POSIX one, or a test's); it must
  // outlive the store.
  StoreImpl(const StoreOptions& options, std::pmr::memory_resource* upstream,
            durable::FileSystem& fs);
  ~StoreImpl();
  StoreImpl(const StoreImpl&) = delete;
  StoreImpl& operator=(const StoreImpl&) = delete;

  AppendResult append(std::string_view stream, std::span<const EventData> events,
                      ExpectedVersion expected);
  EventRange read(std::string_view stream, std::uint64_t from, BelowRetained below) const;
  AllEventsRange read_all(Position from) const;
  std::optional<std::uint64_t> stream_version(std::string_view stream) const;
  std::uint64_t head_position() const noexcept {
    return published_.load(std::memory_order_acquire);
  }
  Position wait_for_append(Position after, std::chrono::nanoseconds timeout) const;
  void save_snapshot(std::string_view stream, const SnapshotData& snapshot);
  std::optional<Snapshot> load_snapshot(std::string_view stream, std::uint64_t max_version) const;
  StoreMemoryStats memory_stats() const;
  void set_retention(std::string_view stream, RetentionPolicy policy);
  CompactionResult compact(CompactionOptions options);
  std::pmr::memory_resource* upstream() const noexcept { return upstream_; }

  // Debugging aid for tests (reached through StoreAccess, store_access.hpp; never called by the
  // store itself): walks the whole structure and throws orchestrix::InvariantViolation
  // ("EventStore: invariant violated: <what and where>") at the first broken invariant. What it
  // checks is listed in store_invariants.cpp. Takes compact_mu_, every shard lock shared, log_mu_
  // and the reclaim mutex (in the lock order), so it is safe between operations and also while
  // other threads append, read, snapshot and compact (they wait for it). Cost: O(bytes in the log +
  // locators + streams); allocates its bookkeeping from the global heap, not the store's resource.
  void check_invariants() const;

  // ---- cursor primitives used by the ranges (store_read.cpp) ----
  // Positions `c` at `version` of c.stream (REQUIRES: version < c.end, DCHECKed; retained). Throws
  // ReadBelowRetained when retention dropped `version` meanwhile. seek() takes the stream's
  // shard lock shared; seek_locked() REQUIRES the caller to hold it (shared or exclusive).
  void seek(RecordCursor& c, std::uint64_t version) const;
  void seek_locked(RecordCursor& c, std::uint64_t version) const;
  // Decodes the next record of a stream cursor into `view`, seeking to the next run when needed
  // (taking the shard lock for that seek; the _locked variant REQUIRES it held, as seek_locked).
  void next_in_stream(RecordCursor& c, EventView& view) const;
  void next_in_stream_locked(RecordCursor& c, EventView& view) const;
  // Positions a global cursor at the first retained event with position >= c.position and
  // < c.end, decoding it into `view`. Returns false when there is none.
  bool next_in_log(RecordCursor& c, EventView& view) const;

  const Segment* log_head() const noexcept { return head_.load(std::memory_order_acquire); }
  // The record bytes of `s` (segment.hpp): one acquire load, or a cache fill for a compressed
  // segment that is not cached. REQUIRES: the caller holds a ReadPin taken before it reached
  // `s` (the bytes stay valid until that pin is released). Throws std::bad_alloc (cache fill).
  const std::byte* segment_bytes(const Segment* s) const {
    const std::byte* b = s->bytes.load(std::memory_order_acquire);
    if (b != nullptr) [[likely]]
      return b;
    return cache_.fill(s);
  }
  const SegmentCache& cache() const noexcept { return cache_; }
  const Shape& shape(std::uint32_t id) const noexcept { return interns_.shape(id); }

  ReadPin pin() const noexcept { return ReadPin(const_cast<StoreImpl*>(this), reclaim_.pin()); }
  void unpin(PinGeneration* g) noexcept { reclaim_.unpin(g); }

 private:
  Shard& shard_for(std::string_view stream) const noexcept { return shard_for(StreamKey(stream)); }
  // The hash's upper 32 bits scaled to [0, shard_count_) with a multiply and a shift (no
  // division; shard_count_ <= 1024, so the product fits in 64 bits).
  Shard& shard_for(const StreamKey& key) const noexcept {
    return shards_[((key.hash >> 32U) * shard_count_) >> 32U];
  }
  StreamState* find_locked(const Shard& shard, std::string_view stream) const {
    return find_locked(shard, StreamKey(stream));
  }
  StreamState* find_locked(const Shard& shard, const StreamKey& key) const;
  StreamState* create_stream_locked(Shard& shard, std::string_view stream);
  void destroy_stream(StreamState* st) noexcept;
  // Returns a result when the append is already done (idempotent retry / empty batch); throws
  // ConcurrencyError on mismatch; nullopt: go ahead.
  std::optional<AppendResult> check_expected(const StreamState* st, std::string_view stream,
                                             std::span<const EventData> events,
                                             ExpectedVersion expected) const;
  // Interns every shape of `events` (adding the missing ones); returns the id of events[0]'s.
  // Called under the stream's shard lock once the append is known to be written. Throws
  // InvalidArgument at the shape limit, std::bad_alloc; shapes added before a throw stay.
  std::uint32_t intern_shapes(std::span<const EventData> events);
  bool ids_match(const StreamState& st, std::uint64_t from_version,
                 std::span<const EventData> events) const;
  // REQUIRES: events non-empty, every shape interned; `batch` from scan(events), with
  // first_shape the shape id of events[0] (DCHECKed, as are one_shape and the plan). Makes the
  // plan when scan() could not.
  // With a log (logging()): `frame` is the batch's payload (encode_batch, position_field its
  // first-position field), written under log_mu_ once the positions are reserved; `ids` the ids
  // it gave the events without one; log_end receives the byte after the frame (wait_durable()
  // it once no lock is held). A failed write throws IoError before anything changes.
  AppendResult write_batch(StreamState& st, std::span<const EventData> events, BatchScan& batch,
                           std::span<const Uuid> ids = {},
                           std::pmr::vector<std::byte>* frame = nullptr,
                           std::size_t position_field = 0, std::uint64_t* log_end = nullptr);
  // ---- the log (persist/store_recovery.cpp) ----
  // Opens or creates the directory's log; replays an existing one through the store's own code
  // paths (replaying_ set: nothing is logged again). Throws CorruptionError (file, offset),
  // IoError.
  // The log is log-<generation>.orx (6 decimal digits); the highest generation is the store's,
  // lower ones and "log-*.tmp" files are left by an interrupted rewrite and removed at open.
  void open_log();
  void replay_frame(const durable::FrameView& frame, const std::string& path, BatchFrame& batch,
                    FrameUnpacker& unpacker);
  void replay_batch(const BatchFrame& frame, FrameOrigin origin);
  void replay_stream_base(std::string_view stream, std::uint64_t version, FrameOrigin origin);
  // Moves the next position forward to `position` (a checkpoint's dropped events). Replay only.
  void skip_positions(std::uint64_t position);
  // ---- log rewrite (persist/log_rewrite.cpp) ----
  // compact() with a log, when events were dropped since the log was written: writes the
  // retained state as a checkpoint into log-<next generation>.orx.tmp, syncs it, renames it,
  // syncs the directory, switches the writer to it and removes the old log. Holds every shard
  // lock exclusively while it writes (appends, snapshots and stream reads wait; read_all() does
  // not). REQUIRES: compact_mu_ held, no shard lock. Throws IoError; the writer has then failed
  // (later changes are refused until reopen, which finds the old log or the complete new one).
  void rewrite_log();
  bool logging() const noexcept { return log_ != nullptr && !replaying_; }
  // Waits until the frame ending at `end` is durable (no-op for 0). REQUIRES: no store lock.
  void log_wait(std::uint64_t end) {
    if (end != 0) log_->wait_durable(end);
  }
  void release_memory() noexcept;  // the destructor's work (also a failed constructor's)
  Segment* allocate_segment(std::size_t block_bytes);
  void free_segment(Segment* s) noexcept;
  void free_block(BlockLink* b) noexcept;  // a retired raw or cache block
  // Compression of sealed segments (codec/compress_sealed.cpp). maybe_compress_sealed(): after
  // an append that sealed a segment, compresses what is complete, unless another thread holds
  // compact_mu_ (then the next seal or compact() does it). compress_sealed_locked() REQUIRES
  // compact_mu_ held: compresses every complete raw segment from compress_from_ on (without
  // compression: shrinks those with a large unused tail), stopping at the first that cannot be
  // done (an allocation failed; retried later). Never throws.
  void maybe_compress_sealed() noexcept;
  void compress_sealed_locked() noexcept;
  bool compress_segment(Segment* s) noexcept;
  bool shrink_segment(Segment* s) noexcept;  // compression off: an exact raw block
  // Residency (cold/evict.cpp): REQUIRES compact_mu_ held; writes the oldest resident sealed
  // segments to their files and drops their blocks while the resident sealed bytes exceed
  // options_.resident_bytes. Never throws (a failed write leaves the segment resident).
  void evict_cold_locked() noexcept;
  // Checks the stream id and every event against the limits (throws InvalidArgument), looks
  // the batch's shapes up without adding any, reads the clock when an event has no time, and
  // plans the runs when every shape is known. One pass over the batch.
  void scan(std::string_view stream, std::span<const EventData> events, BatchScan& b) const;
  // Marks the stream's events below new_first dead (REQUIRES: exclusive shard lock; not
  // checkable: std::shared_mutex has no owner query). cut_bytes: retention_cut_bytes(st,
  // new_first), resolved earlier (it may throw; this may not) under a pin still held.
  void advance_retained_locked(StreamState& st, std::uint64_t new_first,
                               const std::byte* cut_bytes) noexcept;
  // The bytes of the segment whose run new_first cuts into (nullptr when new_first starts a run
  // or is past the stream's end). REQUIRES: the shard lock and a pin. Throws std::bad_alloc.
  const std::byte* retention_cut_bytes(const StreamState& st, std::uint64_t new_first) const;
  // Runs compact() when an automatic trigger fires (see StoreOptions).
  void maybe_auto_compact(bool retention_changed) noexcept;
  std::uint64_t bytes_held() const noexcept;
  // REQUIRES: compact_mu_ held (not checkable: std::mutex has no owner query).
  CompactionResult compact_locked(CompactionOptions options);

  friend class InvariantWalk;  // store_invariants.cpp
  friend struct StoreAccess;   // store_access.hpp

  std::pmr::memory_resource* upstream_;
  StoreOptions options_;
  durable::FileSystem* fs_;
  // Held for the store's life when options_.directory is set (one store per directory).
  std::unique_ptr<durable::DirectoryLock> lock_;

 public:  // the category adapters are read by memory_stats() and tests of the accounting
  CategoryResource segment_memory_;
  CategoryResource locator_memory_;
  CategoryResource table_memory_;
  CategoryResource stream_memory_;
  CategoryResource intern_memory_;
  CategoryResource snapshot_memory_;
  CategoryResource store_memory_;
  CategoryResource compressed_memory_;
  CategoryResource cache_memory_;
  CategoryResource codec_memory_;
  CategoryResource dictionary_memory_;
  CategoryResource log_memory_;  // the log's frame buffers (persist/)

 private:
  InternTable interns_;
  // Declared before cache_ and reclaim_: freeing a compressed segment releases its dictionary.
  DictionaryBook dictionaries_;  // trained and switched under compact_mu_
  Shard* shards_ = nullptr;
  std::size_t shard_count_ = 0;
  // Files of cold segments (cold/segment_files.hpp); declared before cache_, which reads them.
  SegmentFiles cold_files_;
  // Declared before reclaim_ so that it outlives it: freeing a retired segment or cache block
  // (reclaim_'s destructor included) goes through the cache.
  mutable SegmentCache cache_;
  mutable ReclaimDomain reclaim_;
  SegmentCompressor compressor_;  // used under compact_mu_
  // First segment that may still need compression (nullptr: the head); guarded by compact_mu_.
  Segment* compress_from_ = nullptr;
  // Set by an append that sealed a segment; cleared by the compressor that takes over.
  std::atomic<bool> seal_pending_{false};
  // One freed raw block of the standard size (segment_bytes - sizeof(Segment)), kept for the
  // next segment instead of going back to the resource: compression frees a raw block per
  // sealed segment, and handing it straight to the next one keeps the resource's heap from
  // fragmenting (small packed blocks would otherwise split the freed hole, and every new
  // segment would grow the heap: RSS far above the bytes held). Counted in the segment
  // category as slack.
  std::atomic<BlockLink*> spare_raw_{nullptr};

  // The log. log_mu_ guards tail_, the bytes past tail_->used, and the counters below.
  mutable std::mutex log_mu_;
  std::atomic<Segment*> head_{nullptr};
  Segment* tail_ = nullptr;
  // false once compaction sealed tail_ (it may then be rewritten): the next append starts a
  // fresh segment.
  bool tail_open_ = true;
  std::atomic<std::uint64_t> published_{0};  // next position; all below are committed
  std::uint64_t reserved_position_ = 0;      // next position to hand out (>= published_)
  std::uint64_t segment_count_ = 0;
  std::atomic<std::uint64_t> stream_count_{0};
  // Sum of Segment::dead_bytes over live segments (retention adds, compaction subtracts).
  std::atomic<std::uint64_t> dead_bytes_{0};
  // Sum of StreamState::first_retained over all streams (events no longer readable).
  std::atomic<std::uint64_t> retained_below_{0};
  // Sum of Segment::used over live segments; written under log_mu_, read without it.
  std::atomic<std::uint64_t> used_bytes_{0};
  // Residency (cold/evict.cpp): cold segments held and their file bytes (free_segment()
  // subtracts), resident sealed bytes at the last eviction pass, failed file writes/removals.
  std::atomic<std::uint64_t> cold_segments_{0};
  std::atomic<std::uint64_t> cold_file_bytes_{0};
  std::atomic<std::uint64_t> resident_sealed_bytes_{0};
  std::atomic<std::uint64_t> cold_write_failures_{0};
  std::atomic<std::uint64_t> cold_remove_failures_{0};
  // One compaction at a time; taken before any shard lock. Mutable: check_invariants() takes it.
  mutable std::mutex compact_mu_;

  mutable std::mutex wait_mu_;
  mutable std::condition_variable wait_cv_;
  mutable std::atomic<std::uint32_t> waiters_{0};

  // With a directory: the log (its frame buffer comes from log_memory_). Set by the
  // constructor, never changed after; the writer is thread-safe. replaying_: true while the
  // constructor replays the log (one thread).
  std::unique_ptr<durable::LogWriter> log_;
  bool replaying_ = false;
  // The log's generation (its file name); changed by rewrite_log() under compact_mu_.
  std::uint32_t log_generation_ = 1;
  // The store id in the log's header (kept by rewrites); set by open_log().
  Uuid store_id_;
  // retained_below_ when the log was last written whole (its checkpoint, or 0 for a log
  // without one): the log holds dropped events when retained_below_ is higher now. Guarded by
  // compact_mu_ (set by the replay before any other thread).
  std::uint64_t log_dropped_ = 0;
  // Replay of a checkpoint (store_recovery.cpp): kOutside before and after it, kInside between
  // its begin and end frames (position skips and stream bases allowed, snapshots keep the
  // retained range as the checkpoint says). Only the opening thread uses it.
  enum class Checkpoint : std::uint8_t { kNone, kInside, kDone };
  Checkpoint checkpoint_ = Checkpoint::kNone;
  bool first_frame_ = true;
  bool partly_applied_ = false;  // a packed frame's replay has applied some of its batches
};

}  // namespace orchestrix::detail
