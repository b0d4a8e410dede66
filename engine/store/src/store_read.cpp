// EventStore internals: cursors and the read ranges.
#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "orchestrix/detail/check.hpp"
#include "orchestrix/errors.hpp"
#include "store_impl.hpp"

namespace orchestrix::detail {

// The sizes event.hpp and event_range.hpp state (64-bit targets).
static_assert(sizeof(void*) != 8 || sizeof(EventView) == 136);
static_assert(sizeof(void*) != 8 || sizeof(EventRange::iterator) == 240);

namespace {

// Out of line and cold, so that the retained check of the read step stays a load and a
// compare on the decoding path.
[[noreturn, gnu::cold, gnu::noinline]] void throw_below_retained(const StreamState& stream,
                                                                 std::uint64_t version,
                                                                 std::uint64_t retained) {
  throw ReadBelowRetained(stream.name, version, retained);
}

// Inside a run (no seek): a snapshot may have removed the rest of the run this cursor is
// decoding. The bytes are still there (the range's pin keeps them) but the events are no longer
// part of the stream. Relaxed is enough: an older value only means a read ordered before the
// snapshot.
inline void check_retained_mid_run(const RecordCursor& c) {
  const std::uint64_t retained = c.stream->first_retained.load(std::memory_order_relaxed);
  if (c.version < retained) throw_below_retained(*c.stream, c.version, retained);
}

// Records of a run starting at c.version that lie inside the cursor's range.
inline std::uint32_t clamp_to_end(std::uint32_t count, const RecordCursor& c) noexcept {
  return c.end - c.version < count ? static_cast<std::uint32_t>(c.end - c.version) : count;
}

// After the last record of a run, the stream's next run usually starts right there, in the same
// segment (a batch lays its runs out back to back). Recognises it from its header: the bytes
// below c.limit (the segment's `used` when the cursor entered it) are published runs that never
// change, and a (stream, first_version) pair names one run's events wherever a copy of it lies.
// Returns false when the next bytes are another stream's, or past c.limit: the caller then
// seeks through the locators.
inline bool continue_in_segment(RecordCursor& c) noexcept {
  if (c.next >= c.limit) return false;
  RunHeader h;
  const std::byte* records = decode_run_header(c.next, h);
  if (h.stream != c.stream || h.first_version != c.version) return false;
  c.next = records;
  c.position = h.first_position;  // compaction may have packed runs of distant positions
  c.run_left = clamp_to_end(h.count, c);
  c.time = h.base_time;
  return true;
}

}  // namespace

void StoreImpl::seek(RecordCursor& c, std::uint64_t version) const {
  std::shared_lock lock(shards_[c.stream->shard].mu);
  seek_locked(c, version);
}

void StoreImpl::seek_locked(RecordCursor& c, std::uint64_t version) const {
  ORCHESTRIX_DCHECK_MSG(version < c.end, "seek past the end of the cursor's range");
  const std::uint64_t retained = c.stream->first_retained.load(std::memory_order_relaxed);
  if (version < retained) {
    // Retention removed events this range had not reached yet: say so, never skip silently.
    throw ReadBelowRetained(c.stream->name, version, retained);
  }
  const auto& locs = c.stream->locators;
  // Last run whose first_version <= version.
  auto it = std::upper_bound(locs.begin(), locs.end(), version,
                             [](std::uint64_t v, const Locator& l) { return v < l.first_version; });
  ORCHESTRIX_DCHECK_MSG(it != locs.begin(), "no run holds a retained version");
  const Locator& loc = *(it - 1);
  // The segment's bytes (a cache fill when it is compressed and not cached): the cursor's range
  // holds a pin, so they stay valid while the cursor is in this segment.
  const std::byte* base = segment_bytes(loc.segment);
  c.limit = base + loc.segment->used.load(std::memory_order_acquire);
  RunHeader h;
  const std::byte* p = decode_run_header(base + loc.offset, h);
  c.segment = loc.segment;
  c.run_left = h.count;
  c.version = h.first_version;
  c.position = h.first_position;
  c.time = h.base_time;
  RecordFields f;
  while (c.version < version) {
    p = decode_record(p, f);
    c.time = add_time_delta(c.time, f.time_delta);
    ++c.version;
    ++c.position;
    --c.run_left;
  }
  c.next = p;
  c.run_left = clamp_to_end(c.run_left, c);
}

void set_shape_names(const StoreImpl* store, EventView& view, std::uint32_t id) noexcept {
  const Shape& shape = store->shape(id);
  EventViewBuilder::set_shape(view, shape.type, shape.source, shape.content_type);
}

namespace {

// The next event of a stream cursor, whatever its state: at the end of a run, the stream's next
// run found in place or, failing that, by a seek under the shard lock; then the retained check
// and the record. run_left counts the records of the run still inside the cursor's range, so a
// run_left of 0 also covers the end of the range. Returns false there.
bool step_in_stream(RecordCursor& c, EventView& view) {
  if (c.run_left == 0) {
    if (c.version >= c.end) return false;
    if (!continue_in_segment(c)) c.store->seek(c, c.version);  // checks the retained range
  }
  check_retained_mid_run(c);
  decode_step(c, view);
  return true;
}

}  // namespace

void StoreImpl::next_in_stream(RecordCursor& c, EventView& view) const {
  ORCHESTRIX_DCHECK_MSG(c.store == this, "cursor of another store");
  [[maybe_unused]] const bool stepped = step_in_stream(c, view);
  ORCHESTRIX_DCHECK_MSG(stepped, "next_in_stream past the end of the cursor's range");
  EventViewBuilder::set_stream(view, c.stream->name);
}

void StoreImpl::next_in_stream_locked(RecordCursor& c, EventView& view) const {
  if (c.run_left == 0) {
    seek_locked(c, c.version);  // checks the retained range itself
  } else {
    check_retained_mid_run(c);
  }
  decode_step(c, view);
  EventViewBuilder::set_stream(view, c.stream->name);
}

bool StoreImpl::next_in_log(RecordCursor& c, EventView& view) const {
  for (;;) {
    if (c.position >= c.end) return false;
    if (c.run_left == 0) {
      // Next run: in this segment, or the first run of the next segment.
      while (c.next == c.limit) {
        const Segment* next = c.segment->next.load(std::memory_order_acquire);
        if (next == nullptr) return false;
        const std::byte* bytes = segment_bytes(next);  // may throw: the cursor stays put
        c.segment = next;
        c.next = bytes;
        c.limit = bytes + next->used.load(std::memory_order_acquire);
      }
      RunHeader h;
      const std::byte* records = decode_run_header(c.next, h);
      c.stream = h.stream;
      EventViewBuilder::set_stream(view, h.stream->name);
      c.version = h.first_version;
      c.position = h.first_position;
      c.time = h.base_time;
      c.run_left = h.count;
      const std::uint64_t retained = h.stream->first_retained.load(std::memory_order_acquire);
      if (c.position + h.count <= c.begin_position || h.first_version + h.count <= retained) {
        c.next = records + h.records_bytes;  // the whole run is before the start or dead
        c.run_left = 0;
        continue;
      }
      c.next = records;
    }
    const std::uint64_t retained = c.stream->first_retained.load(std::memory_order_acquire);
    if (c.position < c.begin_position || c.version < retained) {
      RecordFields f;
      c.next = decode_record(c.next, f);
      c.time = add_time_delta(c.time, f.time_delta);
      ++c.version;
      ++c.position;
      --c.run_left;
      continue;
    }
    if (c.position >= c.end) return false;
    decode_step(c, view);
    return true;
  }
}

EventRange StoreImpl::read(std::string_view stream, std::uint64_t from, BelowRetained below) const {
  EventRange r;
  r.pin_ = pin();
  r.store_ = this;
  r.requested_ = from;
  const StreamKey key(stream);
  const Shard& shard = shard_for(key);
  std::shared_lock lock(shard.mu);
  const StreamState* st = find_locked(shard, key);
  if (st == nullptr) {
    r.first_ = r.end_ = from;
    return r;
  }
  const std::uint64_t retained = st->first_retained.load(std::memory_order_relaxed);
  if (from < retained && below == BelowRetained::kThrow) {
    throw ReadBelowRetained(stream, from, retained);
  }
  r.stream_ = st;
  r.first_ = std::max(from, retained);
  r.end_ = std::max(r.first_, st->event_count);
  return r;
}

AllEventsRange StoreImpl::read_all(Position from) const {
  AllEventsRange r;
  r.pin_ = pin();
  r.store_ = this;
  r.from_ = from.value;
  r.head_ = std::max(from.value, head_position());
  return r;
}

}  // namespace orchestrix::detail

namespace orchestrix {

EventRange::iterator EventRange::begin() const {
  iterator it;
  if (first_ >= end_ || stream_ == nullptr) return it;
  it.cursor_.store = store_;
  it.cursor_.stream = stream_;
  it.cursor_.retained = &stream_->first_retained;
  it.cursor_.end = end_;
  store_->seek(it.cursor_, first_);
  store_->next_in_stream(it.cursor_, it.view_);
  it.done_ = false;
  return it;
}

void EventRange::iterator::advance_slow() {
  ORCHESTRIX_DCHECK_MSG(!done_, "++ on an iterator that equals end()");
  done_ = !detail::step_in_stream(cursor_, view_);
}

AllEventsRange::iterator AllEventsRange::begin() const {
  iterator it;
  if (from_ >= head_) return it;
  detail::RecordCursor& c = it.cursor_;
  c.store = store_;
  c.end = head_;
  c.begin_position = from_;
  // Walk to the last segment starting at or before `from_`.
  const detail::Segment* seg = store_->log_head();
  if (seg == nullptr) return it;
  for (const detail::Segment* next = seg->next.load(std::memory_order_acquire);
       next != nullptr && next->first_position <= from_;
       next = seg->next.load(std::memory_order_acquire)) {
    seg = next;
  }
  c.segment = seg;
  c.next = store_->segment_bytes(seg);
  c.limit = c.next + seg->used.load(std::memory_order_acquire);
  it.done_ = !store_->next_in_log(c, it.view_);
  return it;
}

AllEventsRange::iterator& AllEventsRange::iterator::operator++() {
  ORCHESTRIX_DCHECK_MSG(!done_, "++ on an iterator that equals end()");
  done_ = !cursor_.store->next_in_log(cursor_, view_);
  return *this;
}

namespace detail {

ReadPin::ReadPin(ReadPin&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)),
      generation_(std::exchange(other.generation_, nullptr)) {}

ReadPin& ReadPin::operator=(ReadPin&& other) noexcept {
  if (this != &other) {
    if (store_) store_->unpin(generation_);
    store_ = std::exchange(other.store_, nullptr);
    generation_ = std::exchange(other.generation_, nullptr);
  }
  return *this;
}

ReadPin::~ReadPin() {
  if (store_) store_->unpin(generation_);
}

}  // namespace detail
}  // namespace orchestrix
