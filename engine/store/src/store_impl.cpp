// EventStore internals: construction, append, stream creation, memory accounting, waiting.
// Reads live in store_read.cpp, snapshots in store_snapshot.cpp.
#include "store_impl.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <new>

#include "orchestrix/detail/check.hpp"
#include "orchestrix/errors.hpp"
#include "spin.hpp"

namespace orchestrix::detail {
namespace {

// Field equality with a pointer fast path: batches usually reuse the same literals.
bool same_text(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && (a.data() == b.data() || a == b);
}

bool same_shape(const EventData& a, const EventData& b) noexcept {
  return same_text(a.type, b.type) && same_text(a.source, b.source) &&
         same_text(a.content_type, b.content_type);
}

void check_option(bool ok, const char* what) {
  if (!ok) throw InvalidArgument(what);
}

const StoreOptions& validated(const StoreOptions& o) {
  check_option(o.segment_bytes >= 64 * 1024 && o.segment_bytes <= 16 * 1024 * 1024,
               "StoreOptions::segment_bytes must be in [64 KiB, 16 MiB]");
  check_option(o.shards >= 1 && o.shards <= 1024, "StoreOptions::shards must be in [1, 1024]");
  check_option(o.snapshots_per_stream >= 1 && o.snapshots_per_stream <= 64,
               "StoreOptions::snapshots_per_stream must be in [1, 64]");
  check_option(o.max_payload_bytes <= 64 * 1024 * 1024,
               "StoreOptions::max_payload_bytes must be <= 64 MiB");
  check_option(o.auto_compact_dead_ratio >= 0.0 && o.auto_compact_dead_ratio <= 1.0,
               "StoreOptions::auto_compact_dead_ratio must be in [0, 1]");
  check_option(o.compression.level >= -7 && o.compression.level <= 19 && o.compression.level != 0,
               "CompressionOptions::level must be in [-7, -1] or [1, 19]");
  check_option(o.compression.cache_bytes >= 64 * 1024,
               "CompressionOptions::cache_bytes must be at least 64 KiB");
  check_option(o.sync_interval >= std::chrono::milliseconds(1) &&
                   o.sync_interval <= std::chrono::milliseconds(60'000),
               "StoreOptions::sync_interval must be in [1 ms, 60 s]");
  check_option(o.durability == Durability::kNone || o.durability == Durability::kOnCommit ||
                   o.durability == Durability::kPeriodic,
               "StoreOptions::durability is not a Durability");
  check_option(o.recovery == RecoveryPolicy::kRefuse || o.recovery == RecoveryPolicy::kSalvage,
               "StoreOptions::recovery is not a RecoveryPolicy");
  check_option(o.resident_bytes == 0 || !o.directory.empty(),
               "StoreOptions::resident_bytes needs a directory to keep the other segments in");
  return o;
}

}  // namespace

StoreImpl::StoreImpl(const StoreOptions& options, std::pmr::memory_resource* upstream,
                     durable::FileSystem& fs)
    : upstream_(upstream),
      options_(validated(options)),
      fs_(&fs),
      lock_(options_.directory.empty()
                ? nullptr
                : std::make_unique<durable::DirectoryLock>(fs, options_.directory)),
      segment_memory_(upstream),
      locator_memory_(upstream),
      table_memory_(upstream),
      stream_memory_(upstream),
      intern_memory_(upstream),
      snapshot_memory_(upstream),
      store_memory_(upstream),
      compressed_memory_(upstream),
      cache_memory_(upstream),
      codec_memory_(upstream),
      dictionary_memory_(upstream),
      log_memory_(upstream),
      interns_(&intern_memory_),
      dictionaries_(&dictionary_memory_, options_.compression.level,
                    options_.compression.dictionary),
      shard_count_(options_.shards),
      cold_files_(fs, options_.directory),
      cache_(&cache_memory_, &codec_memory_, options_.compression.cache_bytes, reclaim_,
             cold_files_),
      reclaim_(
          &store_memory_, [this](Segment* s) { free_segment(s); },
          [this](BlockLink* b) { free_block(b); }),
      compressor_(&codec_memory_, &compressed_memory_, options_.compression.level, &dictionaries_) {
  // Segment files left by an earlier store in this directory are stale (docs/residency.md).
  cold_files_.remove_stale();
  void* p = store_memory_.allocate(sizeof(Shard) * shard_count_, alignof(Shard));
  shards_ = static_cast<Shard*>(p);
  for (std::size_t i = 0; i < shard_count_; ++i) new (shards_ + i) Shard(&table_memory_);
  if (!options_.directory.empty()) {
    try {
      open_log();
    } catch (...) {
      log_.reset();
      release_memory();
      throw;
    }
  }
}

StoreImpl::~StoreImpl() {
  if (log_ != nullptr) {
    try {
      log_->close();  // syncs what kNone / kPeriodic wrote
    } catch (const Error&) {
      // A failed writer or sync: what was acknowledged is durable per the mode already.
    }
    log_.reset();
  }
  release_memory();
}

void StoreImpl::release_memory() noexcept {
  for (std::size_t i = 0; i < shard_count_; ++i) {
    for (auto& [name, st] : shards_[i].streams) destroy_stream(st);
    shards_[i].~Shard();
  }
  store_memory_.deallocate(shards_, sizeof(Shard) * shard_count_, alignof(Shard));
  for (Segment* s = head_.load(std::memory_order_relaxed); s != nullptr;) {
    Segment* next = s->next.load(std::memory_order_relaxed);
    free_segment(s);
    s = next;
  }
  if (BlockLink* spare = spare_raw_.exchange(nullptr)) {
    segment_memory_.deallocate(spare, spare->bytes, kSegmentAlign);
  }
}

StreamState* StoreImpl::find_locked(const Shard& shard, const StreamKey& key) const {
  auto it = shard.streams.find(key);
  return it == shard.streams.end() ? nullptr : it->second;
}

StreamState* StoreImpl::create_stream_locked(Shard& shard, std::string_view stream) {
  const std::size_t bytes = sizeof(StreamState) + stream.size();
  void* p = stream_memory_.allocate(bytes, alignof(StreamState));
  char* name = static_cast<char*>(p) + sizeof(StreamState);
  std::memcpy(name, stream.data(), stream.size());
  auto* st =
      new (p) StreamState(std::string_view(name, stream.size()), &locator_memory_, &stream_memory_);
  st->shard = static_cast<std::uint32_t>(&shard - shards_);
  try {
    shard.streams.emplace(st->name, st);
  } catch (...) {
    st->~StreamState();
    stream_memory_.deallocate(p, bytes, alignof(StreamState));
    throw;
  }
  stream_count_.fetch_add(1, std::memory_order_relaxed);
  return st;
}

void StoreImpl::destroy_stream(StreamState* st) noexcept {
  for (SnapshotBlob* b : st->snapshots) {
    // Streams are destroyed with the store (or right after a failed first append, with no
    // snapshots): a kept snapshot with another reference has a handle outliving the store.
    ORCHESTRIX_DCHECK_MSG(b->refs.load(std::memory_order_relaxed) == 1,
                          "a Snapshot handle outlives its EventStore");
    b->release();
  }
  const std::size_t bytes = sizeof(StreamState) + st->name.size();
  st->~StreamState();
  stream_memory_.deallocate(st, bytes, alignof(StreamState));
}

// A segment of `block_bytes` (header included) is two allocations: the header, which never
// moves, and the raw block (prefix + capacity), which compression replaces (segment.hpp).
Segment* StoreImpl::allocate_segment(std::size_t block_bytes) {
  const std::size_t raw_bytes = block_bytes - sizeof(Segment);
  void* h = segment_memory_.allocate(sizeof(Segment), kSegmentAlign);
  void* r = nullptr;
  if (raw_bytes == options_.segment_bytes - sizeof(Segment)) {
    r = spare_raw_.exchange(nullptr, std::memory_order_acq_rel);
  }
  if (r == nullptr) {
    try {
      r = segment_memory_.allocate(raw_bytes, kSegmentAlign);
    } catch (...) {
      segment_memory_.deallocate(h, sizeof(Segment), kSegmentAlign);
      throw;
    }
  }
  auto* s = new (h) Segment{};
  auto* raw = new (r) BlockLink{};
  raw->bytes = static_cast<std::uint32_t>(raw_bytes);
  raw->kind = BlockLink::Kind::kRaw;
  s->raw = raw;
  s->bytes.store(raw->payload(), std::memory_order_relaxed);
  s->block_bytes = static_cast<std::uint32_t>(block_bytes);
  s->capacity = static_cast<std::uint32_t>(block_bytes - kSegmentHeaderBytes);
  return s;
}

void StoreImpl::free_segment(Segment* s) noexcept {
  if (s->raw != nullptr) segment_memory_.deallocate(s->raw, s->raw->bytes, kSegmentAlign);
  if (s->packed != nullptr || s->dict != nullptr) {
    compressor_.free(PackedBlock{s->packed, s->packed_bytes, s->dict});  // a cold one: dict only
  }
  // Only a compressed or cold segment is ever cached. Its cache_block is read under the
  // cache's mutex (forget()): a reader's fill may evict this segment at the same moment.
  if (s->state.load(std::memory_order_relaxed) != SegmentState::kRaw) cache_.forget(s);
  if (s->file_bytes != 0) {  // cold: its file goes with its memory (cold/segment_files.hpp)
    if (!cold_files_.remove(s->first_position, s->file_suffix)) {
      cold_remove_failures_.fetch_add(1, std::memory_order_relaxed);
    }
    cold_segments_.fetch_sub(1, std::memory_order_relaxed);
    cold_file_bytes_.fetch_sub(s->file_bytes, std::memory_order_relaxed);
  }
  s->~Segment();
  segment_memory_.deallocate(s, sizeof(Segment), kSegmentAlign);
}

void StoreImpl::free_block(BlockLink* b) noexcept {
  if (b->kind == BlockLink::Kind::kRaw) {
    BlockLink* none = nullptr;
    if (b->bytes == options_.segment_bytes - sizeof(Segment) &&
        spare_raw_.compare_exchange_strong(none, b, std::memory_order_acq_rel)) {
      return;  // kept for the next segment (spare_raw_)
    }
    segment_memory_.deallocate(b, b->bytes, kSegmentAlign);
  } else {
    cache_.free_block(b);
  }
}

void StoreImpl::scan(std::string_view stream, std::span<const EventData> events,
                     BatchScan& b) const {
  if (stream.empty()) throw InvalidArgument("stream id is empty");
  if (stream.size() > kMaxStreamIdBytes) {
    throw InvalidArgument("stream id is longer than 1024 bytes");
  }
  const std::size_t n = events.size();
  const EventData* last = nullptr;  // first event of the current shape
  std::uint32_t shape = 0;          // its id, while shapes_known
  std::int64_t previous = 0;        // time of the previous event
  for (std::size_t i = 0; i < n; ++i) {
    const EventData& e = events[i];
    if (e.type.empty()) throw InvalidArgument("event type is empty");
    if (e.type.size() > kMaxTypeBytes) throw InvalidArgument("event type is longer than 255 bytes");
    if (e.source.size() > kMaxSourceBytes) {
      throw InvalidArgument("event source is longer than 1024 bytes");
    }
    if (e.content_type.size() > kMaxContentTypeBytes) {
      throw InvalidArgument("event content type is longer than 255 bytes");
    }
    if (e.data.size() > options_.max_payload_bytes) {
      throw InvalidArgument("event payload is larger than StoreOptions::max_payload_bytes");
    }
    std::size_t attribute_field = 0;  // the record's attributes field: length and bytes
    if (!e.attributes.empty()) [[unlikely]] {
      if (e.attributes.size() > kMaxAttributeBytes) {
        throw InvalidArgument("event attributes are larger than 65,536 bytes");
      }
      attribute_field = attributes_size(e.attributes.size());
    }
    if (last == nullptr || !same_shape(*last, e)) {
      if (last != nullptr) b.one_shape = false;
      last = &e;
      if (b.shapes_known) {
        const std::optional<std::uint32_t> id =
            interns_.find(Shape{e.type, e.source, e.content_type});
        b.shapes_known = id.has_value();
        shape = id.value_or(0);
        if (i == 0) b.first_shape = shape;
      }
    }
    std::int64_t t = 0;
    if (e.time) {
      t = e.time->unix_nanos();
    } else {
      if (!b.needs_clock) b.now = Timestamp::now().unix_nanos();
      b.needs_clock = true;
      t = b.now;
    }
    // The record's bytes in its 64-record stretch (the first one's time delta is 0: one byte).
    const std::size_t run = i / kMaxRunRecords;
    if (run < BatchScan::kPlannedRuns) {
      const bool run_start = i % kMaxRunRecords == 0;
      const std::uint64_t bytes =
          record_size_without_delta(shape, e.correlation_id.has_value(), e.causation_id.has_value(),
                                    e.data.size()) +
          attribute_field + (run_start ? 1 : time_delta_size(time_delta(t, previous)));
      b.run_bytes[run] = (run_start ? 0 : b.run_bytes[run]) + bytes;
    }
    previous = t;
  }
  if (b.shapes_known) {
    b.planned_runs = std::min(BatchScan::kPlannedRuns, (n + kMaxRunRecords - 1) / kMaxRunRecords);
  }
}

AppendResult StoreImpl::append(std::string_view stream, std::span<const EventData> events,
                               ExpectedVersion expected) {
  // Checks the input and looks every shape up before taking any lock; nothing is added yet, so
  // a rejected append leaves the intern table alone.
  BatchScan batch;
  scan(stream, events, batch);

  // With a log: the frame's payload, encoded before any lock (ids generated here for the events
  // without one, so the log and the store agree). Its version and position are patched in
  // under the locks that decide them.
  std::pmr::vector<std::byte> frame(&log_memory_);
  std::pmr::vector<Uuid> ids(&log_memory_);
  std::size_t position_field = 0;
  std::uint64_t log_end = 0;
  const bool log = logging() && !events.empty();
  if (log) {
    if (!std::all_of(events.begin(), events.end(), [](const EventData& e) { return e.id; })) {
      ids.resize(events.size());
      for (std::size_t i = 0; i < events.size(); ++i) {
        ids[i] = events[i].id ? *events[i].id : Uuid::v7();
      }
    }
    position_field = encode_batch(frame, stream, 0, events, ids, batch.now);
  }

  const StreamKey key(stream);
  Shard& shard = shard_for(key);
  AppendResult result;
  {
    lock_spinning(shard.mu);
    std::unique_lock lock(shard.mu, std::adopt_lock);
    StreamState* st = find_locked(shard, key);
    // any() with an event without id: never a retry, never a conflict (the common append).
    const bool unconditional =
        expected.kind() == ExpectedVersion::Kind::kAny && !events.empty() && !events[0].id;
    if (!unconditional) {
      if (auto done = check_expected(st, stream, events, expected)) return *done;
    }
    // The append will be written: only now add the shapes that were missing (lock order
    // shard -> intern). Shapes added here stay if the append fails later (cap, bad_alloc).
    if (!batch.shapes_known) batch.first_shape = intern_shapes(events);
    bool created = false;
    if (st == nullptr) {
      st = create_stream_locked(shard, stream);
      created = true;
    }
    try {
      result =
          write_batch(*st, events, batch, ids, log ? &frame : nullptr, position_field, &log_end);
    } catch (...) {
      if (created) {
        shard.streams.erase(st->name);
        stream_count_.fetch_sub(1, std::memory_order_relaxed);
        destroy_stream(st);
      }
      throw;
    }
  }
  log_wait(log_end);  // outside every lock: concurrent appends share the sync
  if (waiters_.load(std::memory_order_seq_cst) != 0) {
    { std::lock_guard wait_lock(wait_mu_); }
    wait_cv_.notify_all();
  }
  if (seal_pending_.load(std::memory_order_relaxed)) maybe_compress_sealed();
  if (options_.soft_limit_bytes != 0) maybe_auto_compact(false);
  return result;
}

std::uint32_t StoreImpl::intern_shapes(std::span<const EventData> events) {
  std::uint32_t first_shape = 0;
  const EventData* last = nullptr;
  for (const EventData& e : events) {
    if (last && same_shape(*last, e)) continue;
    const std::uint32_t id = interns_.intern(Shape{e.type, e.source, e.content_type});
    if (last == nullptr) first_shape = id;
    last = &e;
  }
  return first_shape;
}

std::optional<AppendResult> StoreImpl::check_expected(const StreamState* st,
                                                      std::string_view stream,
                                                      std::span<const EventData> events,
                                                      ExpectedVersion expected) const {
  const std::uint64_t count = st ? st->event_count : 0;
  const std::uint64_t n = events.size();
  const bool all_ids =
      n > 0 && std::all_of(events.begin(), events.end(), [](const EventData& e) { return e.id; });
  auto already_stored = [&](std::uint64_t from) -> std::optional<AppendResult> {
    if (!all_ids || st == nullptr || count < from + n || !ids_match(*st, from, events)) {
      return std::nullopt;
    }
    AppendResult r;
    r.first_version = from;
    r.last_version = from + n - 1;
    r.count = events.size();
    r.written = false;
    // Position of the stored event at `from`: read it back (cheap; a retry is rare). The pin
    // keeps a cache block the read may fill valid while it is read.
    const ReadPin read_pin = pin();
    RecordCursor c;
    c.store = this;
    c.stream = st;
    c.end = count;
    EventView v;
    seek_locked(c, from);
    next_in_stream_locked(c, v);
    r.first_position = v.position();
    return r;
  };
  const std::optional<std::uint64_t> actual =
      count == 0 ? std::nullopt : std::optional<std::uint64_t>(count - 1);
  std::optional<AppendResult> done;
  switch (expected.kind()) {
    case ExpectedVersion::Kind::kAny:
      if (count >= n) done = already_stored(count - n);
      break;
    case ExpectedVersion::Kind::kNoStream:
      if (count == 0) break;
      done = already_stored(0);
      if (!done) throw ConcurrencyError(stream, std::nullopt, actual);
      break;
    case ExpectedVersion::Kind::kExact:
      // Written as count - 1 vs v (not count vs v + 1) so that exact(UINT64_MAX) cannot wrap.
      if (count != 0 && count - 1 == expected.version()) break;
      if (count != 0 && count - 1 > expected.version()) {
        done = already_stored(expected.version() + 1);
      }
      if (!done) throw ConcurrencyError(stream, expected.version(), actual);
      break;
  }
  if (!done && n == 0) {
    AppendResult r;
    r.first_version = r.last_version = actual.value_or(0);
    r.first_position = Position{head_position()};
    return r;
  }
  return done;
}

bool StoreImpl::ids_match(const StreamState& st, std::uint64_t from_version,
                          std::span<const EventData> events) const {
  if (from_version < st.first_retained.load(std::memory_order_relaxed)) return false;
  const ReadPin read_pin = pin();  // see already_stored in check_expected
  RecordCursor c;
  c.store = this;
  c.stream = &st;
  c.end = from_version + events.size();
  seek_locked(c, from_version);
  EventView v;
  for (const EventData& e : events) {
    next_in_stream_locked(c, v);
    if (v.id() != *e.id) return false;
  }
  return true;
}

// Lays the batch out as runs in the log tail and fresh segments, computing every record's size
// once and encoding every record once:
//   plan     (no log lock) the record bytes of each canonical run, the records [64k, 64k + 64)
//            of the batch;
//   reserve  (log lock) walks the runs with those sums: positions, tail space, fresh segments,
//            locator room; anything that can throw happens here, before any change;
//   fill     (no log lock) replays the same walk and encodes into the reserved space;
//   publish  in position order.
// A run is a canonical run, or a part of one cut where a segment fills up; only then are the
// cut run's records sized one by one (in both walks, so their decisions agree byte for byte).
AppendResult StoreImpl::write_batch(StreamState& st, std::span<const EventData> events,
                                    BatchScan& batch, std::span<const Uuid> ids,
                                    std::pmr::vector<std::byte>* frame, std::size_t position_field,
                                    std::uint64_t* log_end) {
  const std::int64_t now = batch.now;
  const std::uint32_t first_shape = batch.first_shape;
  ORCHESTRIX_DCHECK(!events.empty());
  ORCHESTRIX_DCHECK_MSG(
      interns_.find(Shape{events[0].type, events[0].source, events[0].content_type}) ==
          std::optional<std::uint32_t>(first_shape),
      "first_shape is not the shape id of events[0]");
  const std::size_t n = events.size();
  const std::uint64_t first_version = st.event_count;
  auto time_of = [&](std::size_t i) { return events[i].time ? events[i].time->unix_nanos() : now; };

  // Shape ids: the batch's one shape, or a one-entry cache keyed by the previous event's strings
  // (pointer fast path), so the intern table is searched once per change of shape.
  const bool one_shape = batch.one_shape;
  ORCHESTRIX_DCHECK_MSG(
      !one_shape || std::all_of(events.begin(), events.end(),
                                [&](const EventData& e) { return same_shape(events[0], e); }),
      "one_shape is set but the batch has several shapes");
  std::uint32_t cached_shape = first_shape;
  const EventData* cached = &events[0];
  auto shape_of = [&](std::size_t i) {
    if (one_shape) return first_shape;
    const EventData& e = events[i];
    if (cached != &e && !same_shape(*cached, e)) {
      const std::optional<std::uint32_t> id =
          interns_.find(Shape{e.type, e.source, e.content_type});
      ORCHESTRIX_DCHECK_MSG(id.has_value(), "an event's shape is not interned");
      cached_shape = *id;
    }
    cached = &e;
    return cached_shape;
  };
  auto body_size = [&](std::size_t i, std::uint32_t shape) {
    const EventData& e = events[i];
    return record_size_without_delta(shape, e.correlation_id.has_value(),
                                     e.causation_id.has_value(), e.data.size(),
                                     e.attributes.size());
  };

  // Records [i, j) as one run: their bytes. Or, with a `room` limit, the longest prefix
  // [i, end) that fits in `room` bytes and its bytes (end == i: not even the first fits).
  struct Span {
    std::size_t end = 0;
    std::uint64_t bytes = 0;
  };
  auto fit = [&](std::size_t i, std::size_t j, std::uint64_t room) {
    Span s{i, 0};
    std::int64_t previous = time_of(i);
    for (std::size_t k = i; k < j; ++k) {
      const std::int64_t t = time_of(k);
      const std::uint64_t b =
          body_size(k, shape_of(k)) + (k == i ? 1 : time_delta_size(time_delta(t, previous)));
      if (s.bytes + b > room) break;
      s.bytes += b;
      s.end = k + 1;
      previous = t;
    }
    return s;
  };
  constexpr std::uint64_t kNoLimit = ~std::uint64_t{0};

  // Plan: the canonical runs' record bytes, for batches of up to kPlannedRuns runs (16,384
  // events); the runs of longer batches past that are summed in each walk instead. scan() made
  // the plan when it knew every shape id; otherwise (shapes interned since) it is made here.
  const std::size_t canonical_runs = (n + kMaxRunRecords - 1) / kMaxRunRecords;
  const std::size_t planned_runs = std::min(canonical_runs, BatchScan::kPlannedRuns);
  std::array<std::uint64_t, BatchScan::kPlannedRuns>& planned = batch.run_bytes;
  if (batch.planned_runs != planned_runs) {
    for (std::size_t r = 0; r < planned_runs; ++r) {
      const std::size_t i = r * kMaxRunRecords;
      planned[r] = fit(i, std::min(n, i + kMaxRunRecords), kNoLimit).bytes;
    }
    batch.planned_runs = planned_runs;
  }
  ORCHESTRIX_DCHECK_MSG(
      [&] {
        for (std::size_t r = 0; r < planned_runs; ++r) {
          const std::size_t i = r * kMaxRunRecords;
          if (planned[r] != fit(i, std::min(n, i + kMaxRunRecords), kNoLimit).bytes) return false;
        }
        return true;
      }(),
      "the planned run sizes differ from the records' sizes");

  // walk(start, start_off, first_position, next_segment, on_run): lays the batch out run by
  // run from offset start_off of segment `start` (nullptr: begin with a new segment), calling
  // on_run(segment, offset, header, header bytes, first record, end record) for each run.
  auto walk = [&](Segment* start, std::uint32_t start_off, std::uint64_t first_position,
                  auto&& next_segment, auto&& on_run) {
    Segment* seg = start;
    std::uint32_t off = start_off;
    std::size_t i = 0;
    while (i < n) {
      const std::size_t canonical = i / kMaxRunRecords;
      const std::size_t run_end = std::min(n, (canonical + 1) * kMaxRunRecords);
      RunHeader h;
      h.stream = &st;
      h.first_version = first_version + i;
      h.first_position = first_position + i;
      h.count = 1;
      h.base_time = time_of(i);
      const std::size_t hs = run_header_size(h);  // count <= 64: one varint byte
      Span run{run_end, 0};
      if (i % kMaxRunRecords == 0 && canonical < planned_runs) {
        run.bytes = planned[canonical];
      } else {
        run = fit(i, run_end, kNoLimit);
      }
      if (seg == nullptr || off + hs + run.bytes > seg->capacity) {
        // Cut the run where the segment fills up, or start a new segment (big enough for the
        // first record at least) when not even its first record fits.
        const std::uint64_t room = seg == nullptr || off + hs > seg->capacity
                                       ? 0
                                       : std::uint64_t{seg->capacity} - off - hs;
        Span part = room == 0 ? Span{i, 0} : fit(i, run.end, room);
        if (part.end == i) {
          const std::size_t first_bytes = body_size(i, shape_of(i)) + 1;
          const std::size_t need = kSegmentHeaderBytes + hs + first_bytes;
          seg = next_segment(std::max(options_.segment_bytes, need), h.first_position);
          off = 0;
          part = hs + run.bytes <= seg->capacity ? run : fit(i, run.end, seg->capacity - hs);
        }
        run = part;
      }
      h.count = static_cast<std::uint32_t>(run.end - i);
      h.records_bytes = static_cast<std::uint32_t>(run.bytes);
      on_run(seg, off, h, hs, i, run.end);
      off += static_cast<std::uint32_t>(hs + run.bytes);
      i = run.end;
    }
  };

  // Reserve (under log_mu_): positions, space in the tail and in fresh segments (allocated into
  // a private chain, then linked with `used` = 0 so readers skip them), locator room. This is
  // the only part all appends share; anything that can throw happens here, before any change.
  Segment* start = nullptr;
  std::uint32_t start_off = 0;
  std::uint32_t start_end = 0;
  std::uint32_t chain_end = 0;
  std::uint64_t first_position = 0;
  Segment* chain = nullptr;
  Segment* chain_tail = nullptr;
  {
    lock_spinning(log_mu_);
    std::lock_guard log_lock(log_mu_, std::adopt_lock);
    first_position = reserved_position_;
    start = tail_open_ ? tail_ : nullptr;
    start_off = start ? start->reserved : 0;
    start_end = start_off;
    std::size_t runs = 0;
    try {
      walk(
          start, start_off, first_position,
          [&](std::size_t block_bytes, std::uint64_t first_pos) {
            Segment* s = allocate_segment(block_bytes);
            s->first_position = first_pos;
            if (chain_tail) {
              chain_tail->next.store(s, std::memory_order_relaxed);
            } else {
              chain = s;
            }
            chain_tail = s;
            return s;
          },
          [&](Segment* seg, std::uint32_t off, const RunHeader& h, std::size_t hs, std::size_t,
              std::size_t) {
            ++runs;
            const auto end = static_cast<std::uint32_t>(off + hs + h.records_bytes);
            if (seg == start) {
              start_end = end;
            } else {
              seg->reserved = end;
              chain_end = end;  // ends up as this batch's end in its last segment
            }
          });
      const std::size_t need = st.locators.size() + runs;
      if (need > st.locators.capacity()) {
        st.locators.reserve(std::max(need, st.locators.capacity() + st.locators.capacity() / 2));
      }
      // The frame, written while the positions are reserved: the log holds batches in position
      // order. The last step that can throw (IoError): a failed write changes nothing.
      if (frame != nullptr) {
        patch_batch_position(*frame, position_field - 8, first_version);
        patch_batch_position(*frame, position_field, first_position);
        *log_end = log_->write(static_cast<std::uint8_t>(StoreFrame::kBatch), *frame);
      }
    } catch (...) {
      for (Segment* s = chain; s != nullptr;) {
        Segment* next = s->next.load(std::memory_order_relaxed);
        free_segment(s);
        s = next;
      }
      throw;
    }
    if (start != nullptr) start->reserved = start_end;
    if (chain != nullptr) {
      if (tail_ != nullptr) {
        tail_->next.store(chain, std::memory_order_release);
      } else {
        head_.store(chain, std::memory_order_release);
      }
      for (Segment* s = chain; s != nullptr; s = s->next.load(std::memory_order_relaxed)) {
        ++segment_count_;
        tail_ = s;
      }
      tail_open_ = true;
    }
    reserved_position_ = first_position + n;
  }
  // If no run went into the old tail, forget it: it is not ours (no reserved bytes protect it
  // from compaction) and the replay below starts with a new segment either way.
  if (start != nullptr && start_end == start_off) start = nullptr;

  // Fill (no log lock; appends to other shards encode in parallel): replay the same walk and
  // encode into the reserved space. Nothing below can throw.
  Segment* next_new = chain;
  std::uint64_t written = 0;
  walk(
      start, start_off, first_position,
      [&](std::size_t, std::uint64_t) {
        Segment* s = next_new;
        next_new = s->next.load(std::memory_order_relaxed);
        return s;
      },
      [&](Segment* seg, std::uint32_t off, const RunHeader& h, [[maybe_unused]] std::size_t hs,
          std::size_t i, std::size_t j) {
        std::byte* p = seg->data() + off;
        const std::byte* run_start = p;
        p = encode_run_header(p, h);
        std::int64_t previous = h.base_time;
        for (std::size_t k = i; k < j; ++k) {
          const EventData& e = events[k];
          const Uuid id = e.id ? *e.id : (ids.empty() ? Uuid::v7() : ids[k]);
          const std::int64_t t = time_of(k);
          RecordInput r;
          r.shape = shape_of(k);
          r.time_delta = time_delta(t, previous);  // 0 for the run's first record
          r.id = &id;
          r.correlation = e.correlation_id ? &*e.correlation_id : nullptr;
          r.causation = e.causation_id ? &*e.causation_id : nullptr;
          r.attributes = e.attributes;
          r.data = e.data;
          p = encode_record(p, r);
          previous = t;
        }
        const auto run_bytes = static_cast<std::uint32_t>(p - run_start);
        ORCHESTRIX_DCHECK_MSG(run_bytes == hs + h.records_bytes,
                              "a run's encoded size differs from its planned size");
        st.locators.push_back(Locator{seg, h.first_version, off, run_bytes});
        written += run_bytes;
      });

  // Publish in position order: wait for the batches reserved before this one (spin, yield,
  // then sleep: spin.hpp), then extend the touched segments' `used` and the head (release:
  // readers acquire them before decoding).
  wait_until_equal(published_, first_position);
  if (start != nullptr && start_end != start_off) {
    start->used.store(start_end, std::memory_order_release);
  }
  // The last new segment became the tail: later appends may already reserve in it (its
  // `reserved` is theirs to change), so its extent comes from chain_end. The others are ours.
  for (Segment* s = chain; s != nullptr; s = s->next.load(std::memory_order_relaxed)) {
    s->used.store(s == chain_tail ? chain_end : s->reserved, std::memory_order_release);
    if (s == chain_tail) break;
  }
  used_bytes_.fetch_add(written, std::memory_order_relaxed);
  st.event_count += n;
  published_.store(first_position + n, std::memory_order_seq_cst);
  published_.notify_all();  // cheap when nobody waits (libstdc++ keeps a waiter count)
  // This batch started new segments: the ones before them are sealed, and complete once every
  // append that reserved in them has published. append() compresses them once it has let go of
  // the shard lock (compress_sealed.cpp).
  if (chain != nullptr) seal_pending_.store(true, std::memory_order_relaxed);

  AppendResult r;
  r.first_version = first_version;
  r.last_version = first_version + n - 1;
  r.first_position = Position{first_position};
  r.count = n;
  r.written = true;
  return r;
}

std::optional<std::uint64_t> StoreImpl::stream_version(std::string_view stream) const {
  const StreamKey key(stream);
  const Shard& shard = shard_for(key);
  std::shared_lock lock(shard.mu);
  const StreamState* st = find_locked(shard, key);
  if (st == nullptr || st->event_count == 0) return std::nullopt;
  return st->event_count - 1;
}

Position StoreImpl::wait_for_append(Position after, std::chrono::nanoseconds timeout) const {
  if (head_position() > after.value) return Position{head_position()};
  using Clock = std::chrono::steady_clock;
  if (timeout <= Clock::duration::zero()) return Position{head_position()};
  auto committed = [&] { return published_.load(std::memory_order_seq_cst) > after.value; };
  waiters_.fetch_add(1, std::memory_order_seq_cst);
  {
    std::unique_lock lock(wait_mu_);
    // now + timeout overflows for timeouts like nanoseconds::max() (the usual "wait forever"):
    // a deadline past the clock's range means no deadline.
    const Clock::time_point now = Clock::now();
    if (timeout >= Clock::time_point::max() - now) {
      wait_cv_.wait(lock, committed);
    } else {
      wait_cv_.wait_until(lock, now + timeout, committed);
    }
  }
  waiters_.fetch_sub(1, std::memory_order_seq_cst);
  return Position{head_position()};
}

StoreMemoryStats StoreImpl::memory_stats() const {
  StoreMemoryStats m;
  std::uint64_t segments = 0;
  std::uint64_t used = 0;  // of raw segments
  std::uint64_t dead = 0;  // of raw segments
  std::uint64_t headers = 0;
  std::uint64_t segment_total = 0;
  std::uint64_t retired = 0;
  {
    // The compressor swaps a segment's blocks under log_mu_: the walk sees each segment either
    // raw or compressed, and the category totals read here agree with it.
    std::lock_guard lock(log_mu_);
    segments = segment_count_;
    for (Segment* s = head_.load(std::memory_order_relaxed); s != nullptr;
         s = s->next.load(std::memory_order_relaxed)) {
      const std::uint32_t u = s->used.load(std::memory_order_relaxed);
      m.resident_sealed_bytes +=
          resident_block_bytes(*s, s == tail_ && tail_open_, options_.compression.enabled);
      if (s->raw != nullptr) {
        used += u;
        dead += s->dead_bytes.load(std::memory_order_relaxed);
        headers += kSegmentHeaderBytes;
      } else if (s->state.load(std::memory_order_relaxed) == SegmentState::kCold) {
        headers += sizeof(Segment);
        ++m.cold_segments;
        m.cold_file_bytes += s->file_bytes;
        m.cold_record_bytes += u;
      } else {
        headers += sizeof(Segment);
        ++m.compressed_segments;
        m.compression_saved_bytes += u - s->packed_bytes;
      }
    }
    segment_total = segment_memory_.bytes_live();
    retired = reclaim_.retired_bytes();
    m.compressed_bytes = compressed_memory_.bytes_live();
    m.cache_bytes = cache_memory_.bytes_live();
    m.codec_bytes = codec_memory_.bytes_live();
    m.dictionary_bytes = dictionary_memory_.bytes_live();
    m.log_buffer_bytes = log_memory_.bytes_live();
    m.appended_events = published_.load(std::memory_order_relaxed);
  }
  m.segments = segments;
  m.segment_header_bytes = headers;
  m.record_bytes = used - dead;
  m.dead_record_bytes = dead;
  m.retired_segment_bytes = retired;
  m.segment_slack_bytes = segment_total - retired - headers - used;
  m.locator_bytes = locator_memory_.bytes_live();
  m.stream_table_bytes = table_memory_.bytes_live();
  m.stream_metadata_bytes = stream_memory_.bytes_live();
  m.interned_bytes = intern_memory_.bytes_live();
  m.snapshot_bytes = snapshot_memory_.bytes_live();
  m.store_bytes = store_memory_.bytes_live() + sizeof(StoreImpl);
  m.streams = stream_count_.load(std::memory_order_relaxed);
  const std::uint64_t below = retained_below_.load(std::memory_order_relaxed);
  m.live_events = m.appended_events - below;
  m.log_file_bytes = log_ != nullptr ? log_->file_bytes() : 0;
  m.cold_write_failures = cold_write_failures_.load(std::memory_order_relaxed);
  return m;
}

}  // namespace orchestrix::detail
