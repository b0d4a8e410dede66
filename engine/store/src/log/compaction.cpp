// EventStore internals: retention (marking events dead) and compaction (moving live records
// out of sparse segments and retiring those segments). See docs/architecture.md, "Compaction".
#include <algorithm>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <mutex>
#include <new>
#include <shared_mutex>
#include <vector>

#include "orchestrix/detail/check.hpp"
#include "orchestrix/errors.hpp"
#include "store_impl.hpp"

namespace orchestrix::detail {

void StoreImpl::set_retention(std::string_view stream, RetentionPolicy policy) {
  std::pmr::vector<std::byte> frame(&log_memory_);
  if (logging()) encode_retention(frame, stream, policy);
  std::uint64_t log_end = 0;
  {
    const StreamKey key(stream);
    Shard& shard = shard_for(key);
    std::unique_lock lock(shard.mu);
    StreamState* st = find_locked(shard, key);
    if (st == nullptr) throw InvalidArgument("set_retention on a stream that does not exist");
    if (!frame.empty()) {
      log_end = log_->write(static_cast<std::uint8_t>(StoreFrame::kRetention), frame);
    }
    st->retention = policy;
    st->has_retention = true;
  }
  log_wait(log_end);
}

const std::byte* StoreImpl::retention_cut_bytes(const StreamState& st,
                                                std::uint64_t new_first) const {
  const auto& locs = st.locators;
  auto it = std::upper_bound(locs.begin(), locs.end(), new_first,
                             [](std::uint64_t v, const Locator& l) { return v < l.first_version; });
  if (it == locs.begin() || new_first >= st.event_count) return nullptr;
  const Locator& loc = *(it - 1);
  return new_first > loc.first_version ? segment_bytes(loc.segment) : nullptr;
}

void StoreImpl::advance_retained_locked(StreamState& st, std::uint64_t new_first,
                                        const std::byte* cut_bytes) noexcept {
  new_first = std::min(new_first, st.event_count);
  const std::uint64_t old_first = st.first_retained.load(std::memory_order_relaxed);
  if (new_first <= old_first) return;
  std::uint64_t newly_dead = 0;
  std::size_t erase = 0;
  for (; erase < st.locators.size(); ++erase) {
    Locator& loc = st.locators[erase];
    // A stream's runs hold consecutive versions: this run ends where the next one starts.
    const std::uint64_t run_end =
        erase + 1 < st.locators.size() ? st.locators[erase + 1].first_version : st.event_count;
    if (run_end <= new_first) {  // the whole run is dead
      const std::uint64_t add = loc.bytes - st.front_dead_bytes;
      loc.segment->dead_bytes.fetch_add(add, std::memory_order_relaxed);
      newly_dead += add;
      st.front_dead_bytes = 0;
      continue;
    }
    ORCHESTRIX_DCHECK_MSG(st.front_dead_bytes < loc.bytes,
                          "the dead prefix of the front run covers the whole run");
    if (new_first > loc.first_version) {  // a prefix of the run is dead
      ORCHESTRIX_DCHECK_MSG(cut_bytes != nullptr, "the cut run's bytes were not resolved");
      RunHeader h;
      const std::byte* records = decode_run_header(cut_bytes + loc.offset, h);
      const std::byte* p = records;
      RecordFields f;
      for (std::uint64_t v = h.first_version; v < new_first; ++v) p = decode_record(p, f);
      const auto prefix = static_cast<std::uint32_t>(p - records);
      const std::uint64_t add = prefix - st.front_dead_bytes;
      loc.segment->dead_bytes.fetch_add(add, std::memory_order_relaxed);
      newly_dead += add;
      st.front_dead_bytes = prefix;
    }
    break;
  }
  st.locators.erase(st.locators.begin(), st.locators.begin() + static_cast<std::ptrdiff_t>(erase));
  if (st.locators.empty()) {
    // Give the array back (swap with an empty one on the same resource: no allocation).
    std::pmr::vector<Locator>(st.locators.get_allocator()).swap(st.locators);
  }
  dead_bytes_.fetch_add(newly_dead, std::memory_order_relaxed);
  retained_below_.fetch_add(new_first - old_first, std::memory_order_relaxed);
  st.first_retained.store(new_first, std::memory_order_release);
}

namespace {

// Returns free memory at the top of glibc's heaps and free whole pages inside them to the
// system (malloc_trim). Segments from the system resource (new/delete, i.e. malloc) come from
// those heaps once glibc has raised its mmap threshold past the segment size, so without this
// the process's RSS stays at its peak after compaction. Harmless for other resources: it only
// touches glibc's own free memory. Cost: a walk over glibc's free lists, once per compaction.
void release_free_heap() noexcept {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// Bytes a run takes once copied (only its live suffix), given the stream's retained version.
// Returns 0 for a dead run. `skip`, `skip_bytes` and `time` describe the dead prefix.
struct LiveRun {
  std::size_t bytes = 0;
  std::uint32_t skip = 0;            // dead records at the front
  const std::byte* first = nullptr;  // first live record
  std::int64_t time = 0;             // its time
  RecordFields fields;               // its fields
  const std::byte* after_first = nullptr;
  RunHeader header;  // of the copy
};

LiveRun live_part(const std::byte* run, std::uint64_t retained) {
  LiveRun r;
  RunHeader h;
  const std::byte* p = decode_run_header(run, h);
  const std::byte* end = p + h.records_bytes;
  if (h.first_version + h.count <= retained) return r;
  r.skip = static_cast<std::uint32_t>(retained > h.first_version ? retained - h.first_version : 0);
  std::int64_t time = h.base_time;
  RecordFields f;
  for (std::uint32_t i = 0; i < r.skip; ++i) {
    p = decode_record(p, f);
    time = add_time_delta(time, f.time_delta);
  }
  r.first = p;
  r.after_first = decode_record(p, r.fields);
  r.time = add_time_delta(time, r.fields.time_delta);
  r.header = h;
  r.header.first_version = h.first_version + r.skip;
  r.header.first_position = h.first_position + r.skip;
  r.header.count = h.count - r.skip;
  r.header.base_time = r.time;
  RecordFields first = r.fields;
  first.time_delta = 0;
  RecordInput in;
  in.shape = first.shape;
  in.time_delta = 0;
  in.attributes = attributes_of(first);
  in.data = first.data;
  const std::size_t first_bytes =
      record_size(in) + (first.correlation ? 16 : 0) + (first.causation ? 16 : 0);
  const std::size_t rest = static_cast<std::size_t>(end - r.after_first);
  r.header.records_bytes = static_cast<std::uint32_t>(first_bytes + rest);
  r.bytes = run_header_size(r.header) + r.header.records_bytes;
  return r;
}

std::byte* write_live(std::byte* out, const LiveRun& r, const std::byte* run_end) {
  out = encode_run_header(out, r.header);
  const Uuid id = uuid_from(r.fields.id);
  Uuid corr;
  Uuid cause;
  RecordInput in;
  in.shape = r.fields.shape;
  in.time_delta = 0;
  in.id = &id;
  if (r.fields.correlation) {
    corr = uuid_from(r.fields.correlation);
    in.correlation = &corr;
  }
  if (r.fields.causation) {
    cause = uuid_from(r.fields.causation);
    in.causation = &cause;
  }
  in.attributes = attributes_of(r.fields);
  in.data = r.fields.data;
  out = encode_record(out, in);
  const auto rest = static_cast<std::size_t>(run_end - r.after_first);
  std::memcpy(out, r.after_first, rest);
  return out + rest;
}

}  // namespace

CompactionResult StoreImpl::compact(CompactionOptions options) {
  if (!(options.min_dead_ratio > 0.0 && options.min_dead_ratio <= 1.0)) {
    throw InvalidArgument("CompactionOptions::min_dead_ratio must be in (0, 1]");
  }
  std::lock_guard compact_lock(compact_mu_);
  CompactionResult result = compact_locked(options);
  // With a log holding events dropped since it was written: rewrite it (persist/log_rewrite.cpp).
  if (logging() && retained_below_.load(std::memory_order_relaxed) > log_dropped_) rewrite_log();
  // Give freed memory back to the system where glibc's heap keeps it (compaction frees many
  // segment-sized blocks at once; docs/compression.md, "RSS after compaction").
  if (result.segments_retired > 0) release_free_heap();
  return result;
}

CompactionResult StoreImpl::compact_locked(CompactionOptions options) {
  CompactionResult result;
  // Compressed segments are read through the cache, each under a pin of its own released as
  // soon as its runs are read (a pin over many segments would keep every cache block evicted
  // meanwhile). Segments whose bytes are all dead are not read at all. Compression of what
  // this compaction writes (and of anything left raw) follows at the end, from the log's head.
  compress_from_ = nullptr;
  struct CompressAfter {
    StoreImpl* store;
    ~CompressAfter() { store->compress_sealed_locked(); }
  } compress_after{this};

  // A run of adjacent sparse segments rewritten into one fresh segment, with everything its
  // rewrite needs from the resource.
  struct Group {
    Segment* first = nullptr;
    Segment* last = nullptr;
    std::size_t live = 0;
    Segment* fresh = nullptr;             // sized to `live`; none when nothing is live
    PinGeneration* generation = nullptr;  // the reclaim record its old segments retire into
  };
  std::pmr::vector<Group> groups(&store_memory_);
  // Allocates what rewriting `g` needs: its fresh segment (sized to its live bytes, so a
  // compacted segment has no slack) and reclaim record. Throws std::bad_alloc with neither kept.
  auto prepare_group = [this](Group& g) {
    Segment* fresh = g.live > 0 ? allocate_segment(kSegmentHeaderBytes + g.live) : nullptr;
    try {
      g.generation = reclaim_.allocate_generation();
    } catch (...) {
      if (fresh != nullptr) free_segment(fresh);
      throw;
    }
    g.fresh = fresh;
  };
  Segment* sealed_tail = nullptr;  // the tail this compaction sealed, if any

  {
    std::lock_guard log_lock(log_mu_);
    // 1. Pick groups of adjacent sealed segments that are sparse enough; estimate their live
    //    bytes (first_retained only grows, so the copy below never needs more than this).
    bool seal_tail = false;
    Group g;
    for (Segment* s = head_.load(std::memory_order_relaxed); s != nullptr;
         s = s->next.load(std::memory_order_relaxed)) {
      // acquire: the runs below `used` were written by appends outside log_mu_.
      const std::uint64_t used = s->used.load(std::memory_order_acquire);
      const std::uint64_t dead = s->dead_bytes.load(std::memory_order_relaxed);
      // A segment with reserved but unpublished bytes is being filled: leave it alone.
      const bool pending = s->reserved != used;
      const bool sparse =
          !pending && (used == 0 || static_cast<double>(dead) >=
                                        options.min_dead_ratio * static_cast<double>(used));
      if (s == tail_) {
        // A sparse tail is rewritten like the others: it is sealed (appends move on to a
        // fresh segment) once step 2 has allocated the first group. An open tail that is not
        // sparse stays as it is.
        if (sparse) {
          seal_tail = true;
        } else if (tail_open_) {
          break;
        }
      }
      std::size_t live = 0;
      if (sparse && used > 0 && dead < used) {
        const ReadPin segment_pin = pin();
        const std::byte* base = segment_bytes(s);
        for (std::uint32_t off = 0; off < used;) {
          RunHeader h;
          const std::byte* run = base + off;
          decode_run_header(run, h);
          live += live_part(run, h.stream->first_retained.load(std::memory_order_acquire)).bytes;
          off += static_cast<std::uint32_t>(run_header_size(h) + h.records_bytes);
        }
      }
      const std::size_t capacity = options_.segment_bytes - kSegmentHeaderBytes;
      if (!sparse || (g.first != nullptr && g.live + live > capacity)) {
        if (g.first != nullptr) groups.push_back(g);
        g = Group{};
      }
      if (sparse) {
        if (g.first == nullptr) g.first = s;
        g.last = s;
        g.live += live;
      }
    }
    if (g.first != nullptr) groups.push_back(g);

    // 2. Allocate the first group's fresh segment and reclaim record before changing anything
    //    (a failure throws with the store as it was, the tail still open), then seal the tail:
    //    appends cannot grow it between planning and sealing, both happen under this lock.
    if (!groups.empty()) prepare_group(groups.front());
    if (seal_tail) {
      tail_open_ = false;
      sealed_tail = tail_;
    }
  }

  for (std::size_t i = 0; i < groups.size(); ++i) {
    Group& g = groups[i];
    // 2'. The following groups allocate one at a time, each after the previous one's old segments
    //     were retired (and freed, when no reader pins them): compaction needs one extra
    //     segment at a time, which matters most under a budget. If memory runs out here, the
    //     groups already rewritten stay so (complete: every retained event reads back the
    //     same, the accounting is exact), the rest stay as they were, and compact() reports
    //     out_of_memory instead of throwing.
    if (i > 0) {
      try {
        prepare_group(g);
      } catch (const std::bad_alloc&) {
        std::lock_guard log_lock(log_mu_);
        // The tail's group was not rewritten: reopen the tail unless appends moved on already.
        if (sealed_tail != nullptr && tail_ == sealed_tail) tail_open_ = true;
        result.out_of_memory = true;
        return result;
      }
    }
    Segment* fresh = g.fresh;
    // 3. Copy live runs, one stream lock at a time, and repoint their locators. A compressed
    //    segment is read through the cache; if that cannot allocate, the segments copied so far
    //    form the group (complete and consistent) and compaction stops there.
    std::uint32_t off = 0;
    std::uint64_t group_used = 0;
    std::uint64_t group_dead = 0;
    Segment* copied = nullptr;  // last segment of the group whose runs are all copied
    bool out_of_memory = false;
    for (Segment* s = g.first;; s = s->next.load(std::memory_order_acquire)) {
      const std::uint32_t used = s->used.load(std::memory_order_acquire);
      // Dead bytes only grow (first_retained only grows): a segment all dead now has no run to
      // copy or locator to repoint.
      const std::uint32_t readable =
          s->dead_bytes.load(std::memory_order_relaxed) < used ? used : 0;
      ReadPin segment_pin;
      const std::byte* base = nullptr;
      try {
        if (readable > 0) {
          segment_pin = pin();
          base = segment_bytes(s);
        }
      } catch (const std::bad_alloc&) {
        out_of_memory = true;
        break;
      }
      group_used += used;
      for (std::uint32_t at = 0; at < readable;) {
        RunHeader h;
        const std::byte* run = base + at;
        decode_run_header(run, h);
        const std::uint32_t run_bytes =
            static_cast<std::uint32_t>(run_header_size(h) + h.records_bytes);
        auto* st = const_cast<StreamState*>(h.stream);
        std::unique_lock lock(shards_[st->shard].mu);
        const LiveRun live = live_part(run, st->first_retained.load(std::memory_order_relaxed));
        if (live.bytes != 0) {
          // The estimate of step 1 bounds the copy (first_retained only grows).
          ORCHESTRIX_DCHECK_MSG(fresh != nullptr && off + live.bytes <= fresh->capacity,
                                "compaction copies more live bytes than it estimated");
          auto it = std::lower_bound(
              st->locators.begin(), st->locators.end(), h.first_version,
              [](const Locator& l, std::uint64_t v) { return l.first_version < v; });
          std::byte* out = fresh->data() + off;
          write_live(out, live, run + run_bytes);
          if (it != st->locators.end() && it->segment == s && it->offset == at) {
            *it = Locator{fresh, live.header.first_version, off,
                          static_cast<std::uint32_t>(live.bytes)};
            if (it == st->locators.begin()) st->front_dead_bytes = 0;
          }
          off += static_cast<std::uint32_t>(live.bytes);
          result.live_bytes_moved += live.bytes;
        }
        at += run_bytes;
      }
      group_dead += s->dead_bytes.load(std::memory_order_relaxed);
      copied = s;
      if (s == g.last) break;
    }
    if (out_of_memory) {
      result.out_of_memory = true;
      if (copied == nullptr) {  // nothing copied: the group stays as it was
        if (fresh != nullptr) free_segment(fresh);
        reclaim_.release_generation(g.generation);
        std::lock_guard log_lock(log_mu_);
        if (sealed_tail != nullptr && tail_ == sealed_tail) tail_open_ = true;
        return result;
      }
      g.last = copied;
    }

    // 4. Swap the group for the fresh segment in the log and retire the old segments.
    {
      std::lock_guard log_lock(log_mu_);
      // Re-read under the lock: appends may have linked new segments after a sealed tail.
      Segment* after = g.last->next.load(std::memory_order_relaxed);
      Segment* prev = nullptr;
      for (Segment* s = head_.load(std::memory_order_relaxed); s != g.first;
           s = s->next.load(std::memory_order_relaxed)) {
        prev = s;
      }
      Segment* replacement = after;
      if (fresh != nullptr && off > 0) {
        RunHeader h;
        decode_run_header(fresh->data(), h);
        fresh->first_position = h.first_position;
        fresh->next.store(after, std::memory_order_relaxed);
        fresh->reserved = off;
        fresh->used.store(off, std::memory_order_release);
        replacement = fresh;
        ++segment_count_;
        result.segments_written += 1;
        result.bytes_written += fresh->block_bytes;
      } else if (fresh != nullptr) {
        free_segment(fresh);
        fresh = nullptr;
      }
      if (prev != nullptr) {
        prev->next.store(replacement, std::memory_order_release);
      } else {
        head_.store(replacement, std::memory_order_release);
      }
      if (tail_ == g.last) tail_ = replacement != after ? replacement : prev;  // still sealed
      Segment* retired = nullptr;
      for (Segment* s = g.first;; s = s->next.load(std::memory_order_relaxed)) {
        s->retired_next = retired;
        retired = s;
        --segment_count_;
        result.segments_retired += 1;
        result.bytes_retired += s->block_bytes;
        if (s == g.last) break;
      }
      used_bytes_.fetch_sub(group_used - off, std::memory_order_relaxed);
      dead_bytes_.fetch_sub(group_dead, std::memory_order_relaxed);
      reclaim_.retire(retired, g.generation);
      if (out_of_memory) {
        // The group was cut short: the rest of the log (the sealed tail among it) stays as is.
        if (sealed_tail != nullptr && tail_ == sealed_tail) tail_open_ = true;
        return result;
      }
    }
  }
  return result;
}

std::uint64_t StoreImpl::bytes_held() const noexcept {
  return segment_memory_.bytes_live() + locator_memory_.bytes_live() + table_memory_.bytes_live() +
         stream_memory_.bytes_live() + intern_memory_.bytes_live() + snapshot_memory_.bytes_live() +
         store_memory_.bytes_live() + compressed_memory_.bytes_live() + cache_memory_.bytes_live() +
         codec_memory_.bytes_live() + dictionary_memory_.bytes_live() + log_memory_.bytes_live() +
         sizeof(StoreImpl);
}

void StoreImpl::maybe_auto_compact(bool retention_changed) noexcept {
  const std::uint64_t dead = dead_bytes_.load(std::memory_order_relaxed);
  if (dead == 0) return;
  bool run = false;
  if (retention_changed && options_.auto_compact_dead_ratio > 0.0) {
    const auto used = static_cast<double>(used_bytes_.load(std::memory_order_relaxed));
    run = static_cast<double>(dead) >= options_.auto_compact_dead_ratio * used;
  }
  if (!run && options_.soft_limit_bytes != 0) run = bytes_held() >= options_.soft_limit_bytes;
  if (!run) return;
  // Automatic compaction is best effort: if it cannot allocate, the caller's operation (which
  // already succeeded) is not failed; the next trigger tries again.
  std::unique_lock compact_lock(compact_mu_, std::try_to_lock);
  if (!compact_lock.owns_lock()) return;  // another thread is compacting right now
  try {
    CompactionOptions o;
    o.min_dead_ratio = options_.auto_compact_dead_ratio > 0.0 ? options_.auto_compact_dead_ratio
                                                              : CompactionOptions{}.min_dead_ratio;
    compact_locked(o);
  } catch (...) {
  }
}

}  // namespace orchestrix::detail
