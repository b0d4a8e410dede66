// orchestrix/event_range.hpp — the read results of EventStore: ranges of EventView.
//
// EventRange (one stream, version order) and AllEventsRange (every stream, global order) are
// input ranges: `for (const EventView& e : store.read("agg-1")) ...`. Each begin() starts a new
// pass over the same events. Iteration decodes records in place: no copy of the payload and no
// allocation.
//
// View lifetime (the rule that keeps views from dangling while compaction moves records):
// a range *pins* the store's memory when it is created. Every EventView obtained from it — and
// every string or byte view inside — stays valid until the range object is destroyed, even if
// compaction meanwhile copies the records elsewhere and retires their segments (retired segments
// are freed only after every range pinned before their retirement is gone). Copy out what must
// live longer. Holding a range therefore delays the release of compacted memory: keep ranges
// short-lived (StoreMemoryStats::retired_segment_bytes shows what waits). With compression
// (StoreOptions::compression) a range also keeps every segment it decompressed until it is
// destroyed, beyond the cache's bound: read long extents in pages (docs/compression.md).
//
// A range is a snapshot of the extent: it yields exactly the events that were committed when it
// was created (never half a batch), nothing appended later. If retention removes events that an
// EventRange has not reached yet (a snapshot saved while it is being read), the next advance
// onto one of them throws ReadBelowRetained (whichever BelowRetained mode the range was read
// with) rather than yielding or skipping it; AllEventsRange skips events below each stream's
// retained range as of the moment it reaches them.
//
// Thread safety: a range and its iterators belong to one thread at a time; different ranges
// may be used concurrently with each other and with appends, snapshots and compaction.
// REQUIRES: a range must not outlive its EventStore (debug checks catch it when the store is
// destroyed: no read pin may be left).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "orchestrix/detail/record_decode.hpp"
#include "orchestrix/event.hpp"

namespace orchestrix {

class EventStore;

namespace detail {
class StoreImpl;
struct StreamState;
struct Segment;
struct PinGeneration;

// Keeps the store's retired memory from being freed while alive: holds one reference on the
// reclaim generation that was current when the pin was taken (see docs/architecture.md, "View
// lifetime"). Internal; move-only; releasing it may free retired segments (in the releasing
// thread). Cost: one mutex lock to take, one to release.
class ReadPin {
 public:
  ReadPin() noexcept = default;
  ReadPin(StoreImpl* store, PinGeneration* generation) noexcept
      : store_(store), generation_(generation) {}
  ReadPin(ReadPin&& other) noexcept;
  ReadPin& operator=(ReadPin&& other) noexcept;
  ReadPin(const ReadPin&) = delete;
  ReadPin& operator=(const ReadPin&) = delete;
  ~ReadPin();

 private:
  StoreImpl* store_ = nullptr;
  PinGeneration* generation_ = nullptr;
};

// Decoding position inside the record log. Internal: plain data read and written only by the
// store's decoding functions (it lives in the iterators so that iterating never allocates).
// Both use segment/next/limit (end of the published bytes of `segment` when the cursor entered
// it: the bytes of a compressed segment are found once per segment, never per event)/run_left/
// version/position/end/time; stream reads also stream/retained, global reads begin_position.
struct RecordCursor {
  static constexpr std::uint32_t kNoShape = 0xFFFFFFFF;

  const StoreImpl* store = nullptr;
  const StreamState* stream = nullptr;  // stream of the current run
  const Segment* segment = nullptr;     // segment of the current run
  const std::byte* next = nullptr;      // next record (or run header) to decode
  const std::byte* limit = nullptr;     // end of committed bytes in `segment`
  // Records left in the current run; stream reads count only those before `end`.
  std::uint32_t run_left = 0;
  // Id of the shape whose names the iterator's view holds (kNoShape: none yet); decoding skips
  // the names when a record repeats it.
  std::uint32_t shape = kNoShape;
  std::uint64_t version = 0;         // version of the next record
  std::uint64_t position = 0;        // global position of the next record
  std::uint64_t end = 0;             // stop before this version (stream) / position (all)
  std::uint64_t begin_position = 0;  // global reads: skip positions below this
  std::int64_t time = 0;             // time of the previous record of the run
  // &stream->first_retained of a stream read: checked before each record (see EventRange).
  const std::atomic<std::uint64_t>* retained = nullptr;
};

// Out of line (store_read.cpp): puts the names of shape `id` into `view`.
void set_shape_names(const StoreImpl* store, EventView& view, std::uint32_t id) noexcept;

// Decodes the record at c.next into `view` (all but the stream, which changes only with the
// run) and moves the cursor past it. REQUIRES: c.run_left > 0. The per-event step of both
// iterators; inline so that a read loop makes no call per event.
inline void decode_step(RecordCursor& c, EventView& view) noexcept {
  RecordFields f;
  c.next = decode_record(c.next, f);
  c.time = add_time_delta(c.time, f.time_delta);
  if (f.shape != c.shape) [[unlikely]] {  // most runs repeat one shape: names already in view
    c.shape = f.shape;
    set_shape_names(c.store, view, f.shape);
  }
  EventViewBuilder::set(view, c.version, c.position, c.time, f);
  ++c.version;
  ++c.position;
  --c.run_left;
}

// What the iterators of both read ranges share: the input-iterator surface, the decoding cursor
// and the current view. `Derived` adds operator++ (how it advances is all that differs).
// Internal: use EventRange::iterator and AllEventsRange::iterator.
template <class Derived>
class EventIteratorBase {
 public:
  using value_type = EventView;
  using difference_type = std::ptrdiff_t;
  using reference = const EventView&;
  using pointer = const EventView*;
  using iterator_category = std::input_iterator_tag;
  using iterator_concept = std::input_iterator_tag;

  // REQUIRES: *this != end() (not checked here: an inline accessor of a public header is built
  // with the application's settings; debug checks catch ++ past the end instead).
  const EventView& operator*() const noexcept { return view_; }
  const EventView* operator->() const noexcept { return &view_; }
  void operator++(int) { ++static_cast<Derived&>(*this); }
  // A default-constructed iterator equals end().
  friend bool operator==(const Derived& it, std::default_sentinel_t) noexcept { return it.done_; }

 protected:
  RecordCursor cursor_;
  EventView view_;
  bool done_ = true;
};
}  // namespace detail

// The events of one stream from some version up to the head at the time of the read.
//
// Memory: the range holds a pin and a few pointers (56 bytes); an iterator holds a cursor and
// the current EventView (240 bytes). Neither allocates.
// Errors: begin() and ++ throw ReadBelowRetained when retention has removed the version they are
// about to read (see the lifetime rule above); they never skip events silently. With
// compression on (StoreOptions::compression), entering a compressed segment that is not in the
// read cache allocates a cache block: begin() and ++ may then throw std::bad_alloc (or the
// resource's error), with the store unchanged.
class EventRange {
 public:
  // Input iterator: *it is valid until the next ++it (copy the EventView to keep it longer; the
  // view's contents stay valid while the range lives). Compare with end() (a sentinel).
  class iterator : public detail::EventIteratorBase<iterator> {
   public:
    // Decodes the next event. O(1): inside a run (<= 64 events) one relaxed atomic load of the
    // stream's retained version and the record, decoded inline; at the end of a run a call,
    // which finds the stream's next run right after it in the same segment or else seeks it
    // (O(log n) under a shared shard lock). Throws ReadBelowRetained when that event is below
    // the stream's retained range by now, even mid-run.
    // REQUIRES: *this != end() (DCHECKed).
    iterator& operator++() {
      detail::RecordCursor& c = cursor_;
      if (c.run_left != 0 && c.version >= c.retained->load(std::memory_order_relaxed)) [[likely]] {
        detail::decode_step(c, view_);
      } else {
        advance_slow();
      }
      return *this;
    }
    using detail::EventIteratorBase<iterator>::operator++;

   private:
    friend class EventRange;
    // The end of the range, the next run, or ReadBelowRetained (store_read.cpp).
    void advance_slow();
  };

  // An empty range (e.g. of a stream that does not exist). Ranges are move-only: the pin moves
  // with them.
  EventRange() = default;
  EventRange(EventRange&&) noexcept = default;
  EventRange& operator=(EventRange&&) noexcept = default;

  // Starts a pass at first_version() (O(log n) in the stream's runs). Every call starts anew.
  iterator begin() const;
  std::default_sentinel_t end() const noexcept { return {}; }

  // Version of the first event the range yields. Equals the requested from_version unless that
  // was below the stream's retained range (see truncated()).
  std::uint64_t first_version() const noexcept { return first_; }
  // One past the last version yielded (the stream's event count when the range was made).
  std::uint64_t end_version() const noexcept { return end_; }
  std::uint64_t size() const noexcept { return end_ > first_ ? end_ - first_ : 0; }
  bool empty() const noexcept { return size() == 0; }
  // True when the requested from_version lay below the retained range, so the range starts
  // later than asked (at first_version()). Never silently: check this, or read with
  // BelowRetained::kThrow.
  bool truncated() const noexcept { return first_ > requested_; }

 private:
  friend class detail::StoreImpl;

  detail::ReadPin pin_;
  const detail::StoreImpl* store_ = nullptr;
  const detail::StreamState* stream_ = nullptr;
  std::uint64_t requested_ = 0;
  std::uint64_t first_ = 0;
  std::uint64_t end_ = 0;
};

// Every stream's events in global append order, from a position up to the head at the time of
// the read. Events below a stream's retained range are skipped (they are no longer part of the
// store); positions of the remaining events never change, so consecutive events may show gaps
// in position() after compaction.
//
// Iteration takes no lock at all: it follows the segment list with acquire loads. Memory and
// copying rules as for EventRange.
class AllEventsRange {
 public:
  // Input iterator; same contract as EventRange::iterator (++ never throws ReadBelowRetained:
  // removed events are skipped, as documented above; it may throw std::bad_alloc when it enters
  // a compressed segment that is not cached and memory is short).
  class iterator : public detail::EventIteratorBase<iterator> {
   public:
    iterator& operator++();
    using detail::EventIteratorBase<iterator>::operator++;

   private:
    friend class AllEventsRange;
  };

  // An empty range. Move-only, like EventRange.
  AllEventsRange() = default;
  AllEventsRange(AllEventsRange&&) noexcept = default;
  AllEventsRange& operator=(AllEventsRange&&) noexcept = default;

  // Starts a pass at from(): walks the segment list to the last segment starting at or before
  // it (O(segments)), then scans runs, skipping whole runs before from().
  iterator begin() const;
  std::default_sentinel_t end() const noexcept { return {}; }

  // The requested start and the head position when the range was made: the range yields the
  // retained events with from() <= position < head().
  Position from() const noexcept { return Position{from_}; }
  Position head() const noexcept { return Position{head_}; }

 private:
  friend class detail::StoreImpl;

  detail::ReadPin pin_;
  const detail::StoreImpl* store_ = nullptr;
  std::uint64_t from_ = 0;
  std::uint64_t head_ = 0;
};

static_assert(std::input_iterator<EventRange::iterator>);
static_assert(std::input_iterator<AllEventsRange::iterator>);
static_assert(std::sentinel_for<std::default_sentinel_t, EventRange::iterator>);
static_assert(std::sentinel_for<std::default_sentinel_t, AllEventsRange::iterator>);

}  // namespace orchestrix
