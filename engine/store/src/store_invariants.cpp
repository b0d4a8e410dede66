// EventStore internals: the invariant walk behind StoreImpl::check_invariants(), a debugging aid
// for tests (docs/architecture.md, "Invariants"). Holding every lock, it checks:
//
//  Streams    each sits in the shard its name hashes to, keyed by its own name;
//             first_retained <= event_count, and first_retained > 0 only below a kept snapshot;
//             snapshots: at most snapshots_per_stream, versions non-decreasing and <=
//             event_count, referenced, from the snapshot category.
//  Segments   linked without a cycle, aligned, used == reserved <= capacity (no append is in
//             flight while the walk holds every shard lock), not empty, first_position = the
//             first run's; tail_ is the last one. Raw: block_bytes = header + capacity, the raw
//             block sized to it and published in `bytes`, no packed or cache block. Compressed:
//             block_bytes = the header alone, no raw block, a packed frame that decompresses to
//             exactly `used` bytes (the runs below are checked on that copy); `bytes` is nullptr
//             or the segment's cache block, whose contents equal the frame's. Cold: block_bytes =
//             the header alone, no raw or packed block, a file that reads back (header and CRCs
//             checked, cold/segment_files.hpp) to exactly `used` record bytes; `bytes` is
//             nullptr or the cache block, whose contents equal them.
//  Cache      the FIFO's links and byte count; every cached segment is compressed or cold, in the
//  log
//             or retired; the cache category holds at least the cached blocks.
//  Runs       run tag, 1..64 records, header and records inside `used`, records that decode to
//             exactly records_bytes with interned shape ids, a stream of this store, versions
//             within the stream's count and increasing along the log per stream, positions
//             increasing along the log and below the head.
//  Dead bytes each segment's dead_bytes = the bytes of its runs (whole runs, or record prefixes)
//             below their stream's retained version, which is what retention counted.
//  Locators   per stream: contiguous (so sorted) from the run holding first_retained to
//             event_count, one per run with a live record, each naming that run's segment (a
//             live one), offset, first version and size; front_dead_bytes = the dead prefix of
//             the first run.
//  Counters   segment_count_, used_bytes_, dead_bytes_, stream_count_, retained_below_ are the
//             sums they cache; published_ = reserved_position_ = the sum of event counts.
//  Memory     the locator, stream and store categories hold exactly what the structure owns;
//             the segment category = live + retired segments and raw blocks + the spare raw
//             block; the compressed
//             category = the packed blocks of live and retired segments; the dictionary
//             category = the dictionaries held + training samples, and each dictionary's
//             reference count = the live and retired segments whose frame needs it (the frame's
//             dictID is its version) + 1 while current; the snapshot category >=
//             the snapshots the streams keep (handles may keep more alive); the table and intern
//             categories >= a lower bound (their node layout is the standard library's).
//  Reclaim    ReclaimDomain::check_invariants(), and no retired segment is still in the log.
//
// A violation throws orchestrix::InvariantViolation: "EventStore: invariant violated: <what>
// (<where>)".
#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "codec/zstd_codec.hpp"
#include "cold/segment_files.hpp"
#include "orchestrix/detail/invariant.hpp"
#include "store_impl.hpp"

namespace orchestrix::detail {

class InvariantWalk {
 public:
  explicit InvariantWalk(const StoreImpl& store) : s_(store) {}

  void run() {
    walk_streams();
    walk_log();
    check_locators();
    check_counters();
    check_memory();
  }

 private:
  // A run with at least one retained record: what a locator must point at.
  struct LiveRun {
    const StreamState* stream = nullptr;
    std::uint64_t first_version = 0;
    std::uint32_t count = 0;
    std::uint32_t bytes = 0;        // run header + records
    std::uint32_t dead_prefix = 0;  // bytes of its records below the retained version
  };
  struct StreamWalk {
    std::uint64_t log_version_end = 0;  // versions seen along the log so far end here
    std::uint64_t live_records = 0;
    std::uint64_t live_runs = 0;
  };

  template <typename... Parts>
  [[noreturn]] static void fail(const Parts&... parts) {
    invariant_violated("EventStore", parts...);
  }

  void walk_streams() {
    for (std::size_t i = 0; i < s_.shard_count_; ++i) {
      for (const auto& [key, st] : s_.shards_[i].streams) {
        if (st == nullptr || key.data() != st->name.data() || key.size() != st->name.size()) {
          fail("shard ", i, " maps key '", key, "' to another stream's state");
        }
        if (st->shard != i || &s_.shard_for(st->name) != &s_.shards_[i]) {
          fail("stream '", st->name, "' sits in shard ", i, " but says ", st->shard,
               " and hashes elsewhere");
        }
        if (!streams_.emplace(st, StreamWalk{}).second) {
          fail("stream '", st->name, "' is in the index twice");
        }
        check_stream(*st);
      }
    }
  }

  void check_stream(const StreamState& st) {
    const std::uint64_t retained = st.first_retained.load(std::memory_order_relaxed);
    if (retained > st.event_count) {
      fail("stream '", st.name, "' retains from version ", retained, " past its ", st.event_count,
           " events");
    }
    if (st.snapshots.size() > s_.options_.snapshots_per_stream) {
      fail("stream '", st.name, "' keeps ", st.snapshots.size(), " snapshots, more than ",
           s_.options_.snapshots_per_stream);
    }
    std::uint64_t previous = 0;
    for (std::size_t i = 0; i < st.snapshots.size(); ++i) {
      const SnapshotBlob* b = st.snapshots[i];
      if (b == nullptr || b->refs.load(std::memory_order_relaxed) == 0 ||
          b->memory != &s_.snapshot_memory_) {
        fail("snapshot #", i, " of stream '", st.name,
             "' is null, unreferenced or from another resource");
      }
      if (b->version < previous || b->version > st.event_count) {
        fail("snapshot #", i, " of stream '", st.name, "' has version ", b->version, " (previous ",
             previous, ", event count ", st.event_count, ")");
      }
      previous = b->version;
      snapshot_bytes_ += b->block_bytes();
    }
    // Retention only ever advances to at most the version of the snapshot being saved, and the
    // newest snapshot is always kept.
    if (retained > 0 && (st.snapshots.empty() || retained > st.snapshots.back()->version)) {
      fail("stream '", st.name, "' retains from version ", retained,
           " without a snapshot at or above it");
    }
    events_ += st.event_count;
    retained_below_ += retained;
    locator_bytes_ += st.locators.capacity() * sizeof(Locator);
    // NOLINTNEXTLINE(bugprone-sizeof-expression): the snapshot list holds pointers.
    const std::uint64_t snapshot_list_bytes = st.snapshots.capacity() * sizeof(SnapshotBlob*);
    stream_bytes_ += sizeof(StreamState) + st.name.size() + snapshot_list_bytes;
  }

  void walk_log() {
    const std::uint64_t head = s_.published_.load(std::memory_order_relaxed);
    const std::uint32_t shapes = s_.interns_.shape_count();
    std::uint64_t position_end = 0;  // positions of later runs start at or after this
    const Segment* last = nullptr;
    std::uint64_t index = 0;
    for (const Segment* seg = s_.head_.load(std::memory_order_relaxed); seg != nullptr;
         seg = seg->next.load(std::memory_order_relaxed), ++index) {
      if (!segments_.insert(seg).second) fail("the log has a cycle at segment #", index);
      const std::uint32_t used = seg->used.load(std::memory_order_relaxed);
      const bool compressed =
          seg->state.load(std::memory_order_relaxed) == SegmentState::kCompressed;
      const bool cold = seg->state.load(std::memory_order_relaxed) == SegmentState::kCold;
      const std::uint64_t expected_block =
          compressed || cold ? sizeof(Segment) : std::uint64_t{seg->capacity} + kSegmentHeaderBytes;
      if (reinterpret_cast<std::uintptr_t>(seg) % kSegmentAlign != 0 ||
          seg->block_bytes != expected_block) {
        fail("segment #", index, " (first position ", seg->first_position, ") is misaligned or ",
             "has block_bytes ", seg->block_bytes, " for capacity ", seg->capacity);
      }
      const std::byte* base = segment_base(*seg, index, compressed, used);
      if (!(used == seg->reserved && seg->reserved <= seg->capacity && used > 0)) {
        fail("segment #", index, " (first position ", seg->first_position, ") has used ", used,
             ", reserved ", seg->reserved, ", capacity ", seg->capacity,
             " (expected 0 < used == reserved <= capacity)");
      }
      std::uint64_t dead = 0;
      for (std::uint32_t off = 0; off < used;) {
        off += walk_run(*seg, base, index, off, used, shapes, head, position_end, dead);
      }
      if (dead != seg->dead_bytes.load(std::memory_order_relaxed)) {
        fail("segment #", index, " (first position ", seg->first_position, ") counts ",
             seg->dead_bytes.load(std::memory_order_relaxed),
             " dead bytes but its runs below the retained versions hold ", dead);
      }
      used_ += used;
      dead_ += dead;
      segment_blocks_ += seg->block_bytes;
      last = seg;
    }
    if (last != s_.tail_) fail("tail_ is not the last segment of the log (", index, " segments)");
  }

  // Checks the blocks of segment #index and returns its record bytes: the raw block, or a
  // private decompression of the packed frame (in copy_, until the next segment).
  const std::byte* segment_base(const Segment& seg, std::uint64_t index, bool compressed,
                                std::uint32_t used) {
    const std::byte* bytes = seg.bytes.load(std::memory_order_relaxed);
    if (seg.state.load(std::memory_order_relaxed) == SegmentState::kCold) {
      return cold_base(seg, index, used);
    }
    if (!compressed) {
      if (seg.raw == nullptr || seg.raw->bytes != sizeof(BlockLink) + seg.capacity ||
          seg.raw->kind != BlockLink::Kind::kRaw || bytes != seg.raw->payload() ||
          seg.packed != nullptr || seg.cache_block != nullptr) {
        fail("raw segment #", index, " (first position ", seg.first_position,
             ") has inconsistent blocks (raw, packed, cache or published bytes)");
      }
      return bytes;
    }
    const PackedBlock packed{seg.packed, seg.packed_bytes, seg.dict};
    if (seg.raw != nullptr || seg.packed == nullptr || packed_content_size(packed) != used) {
      fail("compressed segment #", index, " (first position ", seg.first_position,
           ") has a raw block, no packed block or a frame not of `used` (", used, ") bytes");
    }
    const std::uint32_t version = seg.dict != nullptr ? seg.dict->version : 0;
    if (packed_dictionary_id(packed) != version) {
      fail("compressed segment #", index, ": its frame needs dictionary ",
           packed_dictionary_id(packed), ", the segment holds version ", version);
    }
    copy_.resize(used);
    if (!decompress_for_check(packed, copy_.data(), used)) {
      fail("compressed segment #", index, ": the frame does not decompress");
    }
    check_cached(seg, index, used);
    compressed_blocks_ += seg.packed_bytes;
    return copy_.data();
  }

  // A cold segment (cold/segment_files.hpp): no block in memory; its file reads back (IoError
  // or CorruptionError propagate) to `used` record bytes, which a cache block must equal.
  const std::byte* cold_base(const Segment& seg, std::uint64_t index, std::uint32_t used) {
    if (seg.raw != nullptr || seg.packed != nullptr || seg.file_bytes == 0) {
      fail("cold segment #", index, " (first position ", seg.first_position,
           ") holds a raw or packed block, or has no file");
    }
    const bool packed = seg.packed_bytes != 0;
    const SegmentFileFacts facts{seg.first_position, used, packed ? seg.packed_bytes : used,
                                 seg.dict != nullptr ? seg.dict->version : 0U, packed};
    std::vector<std::byte> block(facts.block_bytes);
    s_.cold_files_.read(seg.file_suffix, facts, block);
    copy_.resize(used);
    if (!packed) {
      copy_ = std::move(block);
    } else if (!decompress_for_check(PackedBlock{block.data(), facts.block_bytes, seg.dict},
                                     copy_.data(), used)) {
      fail("cold segment #", index, ": the frame in its file does not decompress");
    }
    check_cached(seg, index, used);
    return copy_.data();
  }

  void check_cached(const Segment& seg, std::uint64_t index, std::uint32_t used) {
    // A concurrent read may fill or evict the cache: look under the cache's mutex.
    bool cache_ok = true;
    s_.cache_.inspect([&] {
      const std::byte* published = seg.bytes.load(std::memory_order_relaxed);
      cache_ok = published == nullptr ||
                 (seg.cache_block != nullptr && published == seg.cache_block->payload() &&
                  std::memcmp(published, copy_.data(), used) == 0);
    });
    if (!cache_ok) {
      fail("segment #", index, ": the published bytes are not its cache block's, or ",
           "differ from the frame's or file's contents");
    }
  }

  // Checks the run at `off` of a segment's record bytes and returns its size.
  std::uint32_t walk_run(const Segment& seg, const std::byte* base, std::uint64_t index,
                         std::uint32_t off, std::uint32_t used, std::uint32_t shapes,
                         std::uint64_t head, std::uint64_t& position_end, std::uint64_t& dead) {
    const std::byte* run = base + off;
    // The longest header: tag, pointer, four 10-byte varints, u32.
    constexpr std::uint32_t kMaxHeader = 1 + sizeof(void*) + 4 * 10 + 4;
    if (*run != kRunTag) fail("segment #", index, ": no run tag at offset ", off);
    RunHeader h;
    if (used - off >= kMaxHeader || run_header_size_fits(run, used - off)) {
      decode_run_header(run, h);
    } else {
      fail("segment #", index, ": the run header at offset ", off, " runs past used ", used);
    }
    const std::size_t hs = run_header_size(h);
    if (hs > used - off || h.records_bytes > used - off - hs) {
      fail("segment #", index, ": the run at offset ", off, " (", hs, " + ", h.records_bytes,
           " bytes) runs past used ", used);
    }
    const auto it = streams_.find(h.stream);
    if (it == streams_.end()) {
      fail("segment #", index, ": the run at offset ", off, " names no stream of the store");
    }
    const StreamState& st = *h.stream;
    StreamWalk& sw = it->second;
    if (h.count == 0 || h.count > kMaxRunRecords || h.first_version + h.count > st.event_count ||
        h.first_version < sw.log_version_end) {
      fail("segment #", index, ": the run at offset ", off, " of stream '", st.name,
           "' holds versions [", h.first_version, ", ", h.first_version + h.count, ") (stream has ",
           st.event_count, " events; the log already reached version ", sw.log_version_end, ")");
    }
    if (h.first_position < position_end || h.first_position + h.count > head ||
        (off == 0 && seg.first_position != h.first_position)) {
      fail("segment #", index, " (first position ", seg.first_position, "): the run at offset ",
           off, " holds positions [", h.first_position, ", ", h.first_position + h.count,
           ") (previous run ended at ", position_end, ", head ", head, ")");
    }
    // Records: exactly records_bytes, interned shapes; note where the retained ones start.
    const std::uint64_t retained = st.first_retained.load(std::memory_order_relaxed);
    const std::uint64_t first_live =
        retained > h.first_version ? std::min<std::uint64_t>(retained - h.first_version, h.count)
                                   : 0;
    const std::byte* records = run + hs;
    const std::byte* end = records + h.records_bytes;
    const std::byte* p = records;
    std::uint32_t prefix = 0;
    for (std::uint32_t i = 0; i < h.count; ++i) {
      if (i == first_live) prefix = static_cast<std::uint32_t>(p - records);
      RecordFields f;
      if (p >= end || (p = decode_record(p, f)) > end) {
        fail("segment #", index, ": record ", i, " of the run at offset ", off,
             " runs past its records_bytes ", h.records_bytes);
      }
      if (f.attributes != nullptr) {
        const std::size_t attribute_bytes = attributes_of(f).size();
        if (attribute_bytes == 0 || attribute_bytes > kMaxAttributeBytes) {
          fail("segment #", index, ": record ", i, " of the run at offset ", off, " has ",
               attribute_bytes, " attribute bytes (flagged records hold 1..", kMaxAttributeBytes,
               ")");
        }
      }
      if (f.shape >= shapes) {
        fail("segment #", index, ": record ", i, " of the run at offset ", off, " has shape ",
             f.shape, " of ", shapes, " interned");
      }
    }
    if (p != end) {
      fail("segment #", index, ": the records of the run at offset ", off, " take ", p - records,
           " bytes, not records_bytes ", h.records_bytes);
    }
    const auto bytes = static_cast<std::uint32_t>(hs + h.records_bytes);
    if (first_live == h.count) {
      dead += bytes;  // the whole run is below the retained range
    } else {
      dead += prefix;
      runs_.emplace(std::pair(&seg, off), LiveRun{&st, h.first_version, h.count, bytes, prefix});
      sw.live_runs += 1;
      sw.live_records += h.count - first_live;
    }
    sw.log_version_end = h.first_version + h.count;
    position_end = h.first_position + h.count;
    return bytes;
  }

  // Whether a run header starting at `run` ends within `room` bytes (decoding it then reads
  // nothing past `room`): walks the varints byte by byte.
  static bool run_header_size_fits(const std::byte* run, std::uint32_t room) {
    std::uint32_t at = 1 + sizeof(void*);
    for (int field = 0; field < 4; ++field) {
      do {
        if (at >= room) return false;
      } while ((std::to_integer<unsigned>(run[at++]) & 0x80u) != 0);
    }
    return at + 4 <= room;
  }

  void check_locators() {
    for (const auto& [st, sw] : streams_) {
      const std::uint64_t retained = st->first_retained.load(std::memory_order_relaxed);
      const auto& locs = st->locators;
      std::uint64_t next = 0;
      for (std::size_t i = 0; i < locs.size(); ++i) {
        const Locator& loc = locs[i];
        if (segments_.count(loc.segment) == 0) {
          fail("locator #", i, " of stream '", st->name, "' points into a segment not in the log");
        }
        const auto run =
            runs_.find(std::pair<const Segment*, std::uint32_t>(loc.segment, loc.offset));
        if (run == runs_.end()) {
          fail("locator #", i, " of stream '", st->name, "' (first version ", loc.first_version,
               ") does not point at a run with a retained record (offset ", loc.offset, ")");
        }
        const LiveRun& r = run->second;
        if (r.stream != st || r.first_version != loc.first_version || r.bytes != loc.bytes) {
          fail("locator #", i, " of stream '", st->name, "' says first version ", loc.first_version,
               " and ", loc.bytes, " bytes; its run holds stream '", r.stream->name,
               "' from version ", r.first_version, " in ", r.bytes, " bytes");
        }
        if (i == 0) {
          if (loc.first_version > retained || retained >= loc.first_version + r.count) {
            fail("locator #0 of stream '", st->name, "' covers versions [", loc.first_version, ", ",
                 loc.first_version + r.count, "), not the first retained version ", retained);
          }
          if (st->front_dead_bytes != r.dead_prefix) {
            fail("stream '", st->name, "' counts ", st->front_dead_bytes,
                 " dead bytes at the front of its first run, which holds ", r.dead_prefix);
          }
        } else if (loc.first_version != next) {
          fail("locators of stream '", st->name, "' are not sorted and contiguous: locator #", i,
               " starts at version ", loc.first_version, ", expected ", next);
        }
        next = loc.first_version + r.count;
      }
      if (locs.empty() ? (retained != st->event_count || st->front_dead_bytes != 0)
                       : next != st->event_count) {
        fail("the locators of stream '", st->name, "' end at version ", next, " with ",
             st->event_count, " events (first retained ", retained, ")");
      }
      if (locs.size() != sw.live_runs || sw.live_records != st->event_count - retained) {
        fail("stream '", st->name, "' has ", locs.size(), " locators and ",
             st->event_count - retained, " retained events; the log holds ", sw.live_runs,
             " runs with ", sw.live_records, " retained records");
      }
    }
  }

  void check_counters() {
    const std::uint64_t published = s_.published_.load(std::memory_order_relaxed);
    const auto expect = [](const char* name, std::uint64_t cached, std::uint64_t walked) {
      if (cached != walked) fail(name, " is ", cached, ", the walk finds ", walked);
    };
    expect("segment_count_", s_.segment_count_, segments_.size());
    expect("used_bytes_", s_.used_bytes_.load(std::memory_order_relaxed), used_);
    expect("dead_bytes_", s_.dead_bytes_.load(std::memory_order_relaxed), dead_);
    expect("stream_count_", s_.stream_count_.load(std::memory_order_relaxed), streams_.size());
    expect("retained_below_", s_.retained_below_.load(std::memory_order_relaxed), retained_below_);
    expect("published_ (head position)", published, events_);
    expect("reserved_position_", s_.reserved_position_, events_);
  }

  void check_memory() {
    const auto at_least = [](const char* name, std::uint64_t live, std::uint64_t needed) {
      if (live < needed) fail("the ", name, " category holds ", live, " bytes, less than ", needed);
    };
    const auto exactly = [](const char* name, std::uint64_t live, std::uint64_t held) {
      if (live != held) fail("the ", name, " category holds ", live, " bytes, the store ", held);
    };
    exactly("locator", s_.locator_memory_.bytes_live(), locator_bytes_);
    exactly("stream metadata", s_.stream_memory_.bytes_live(), stream_bytes_);
    at_least("snapshot", s_.snapshot_memory_.bytes_live(), snapshot_bytes_);
    std::uint64_t entries = 0;
    for (std::size_t i = 0; i < s_.shard_count_; ++i) entries += s_.shards_[i].streams.size();
    at_least("stream table", s_.table_memory_.bytes_live(),
             // NOLINTNEXTLINE(bugprone-sizeof-expression): the table holds pointers.
             entries * (sizeof(std::string_view) + sizeof(StreamState*)));
    const std::uint64_t chunks =
        (std::uint64_t{s_.interns_.shape_count()} + InternTable::kChunkShapes - 1) /
        InternTable::kChunkShapes;
    at_least("interned", s_.intern_memory_.bytes_live(),
             chunks * InternTable::kChunkShapes * sizeof(Shape));
    std::unordered_set<const Segment*> retired_segments;
    s_.reclaim_.check_invariants([&](const std::vector<const Segment*>& retired,
                                     const std::vector<const BlockLink*>& retired_raw_or_cache,
                                     std::size_t generations) {
      std::uint64_t retired_blocks = 0;
      std::uint64_t retired_packed = 0;
      for (const Segment* seg : retired) {
        if (segments_.count(seg) != 0) fail("a retired segment is still in the log");
        retired_blocks += seg->block_bytes;
        if (seg->packed != nullptr) retired_packed += seg->packed_bytes;  // not a cold one's
        retired_segments.insert(seg);
      }
      for (const BlockLink* b : retired_raw_or_cache) {
        if (b->kind == BlockLink::Kind::kRaw) retired_blocks += b->bytes;
      }
      // free_block() fills spare_raw_ under the reclaim mutex, allocate_segment() empties it
      // under log_mu_: both held here.
      const BlockLink* spare = s_.spare_raw_.load(std::memory_order_relaxed);
      if (spare != nullptr) retired_blocks += spare->bytes;
      exactly("segment", s_.segment_memory_.bytes_live(), segment_blocks_ + retired_blocks);
      exactly("compressed", s_.compressed_memory_.bytes_live(),
              compressed_blocks_ + retired_packed);
      exactly("dictionary", s_.dictionary_memory_.bytes_live(), check_dictionaries(retired));
      check_cache(retired_segments);  // under the reclaim mutex: no segment freed meanwhile
      exactly("store", s_.store_memory_.bytes_live(),
              sizeof(Shard) * s_.shard_count_ + generations * sizeof(PinGeneration));
    });
  }

  // Under compact_mu_ (no training, no switch) and the reclaim mutex (no segment freed): each
  // dictionary's count = the live and retired segments that need it + 1 while it is current;
  // returns the bytes the dictionary category must hold: the dictionaries + the sample buffer.
  std::uint64_t check_dictionaries(const std::vector<const Segment*>& retired) {
    std::unordered_map<const Dictionary*, std::uint64_t> needed;
    for (const Segment* seg : segments_) {
      if (seg->dict != nullptr) ++needed[seg->dict];
    }
    for (const Segment* seg : retired) {
      if (seg->dict != nullptr) ++needed[seg->dict];
    }
    const Dictionary* current = s_.dictionaries_.current();
    std::uint64_t held = s_.dictionaries_.sample_bytes();
    std::size_t known = 0;
    s_.dictionaries_.for_each([&](const Dictionary& d) {
      const auto it = needed.find(&d);
      const std::uint64_t expected =
          (it == needed.end() ? 0 : it->second) + (&d == current ? 1 : 0);
      if (it != needed.end()) ++known;
      if (expected == 0 || d.refs.load(std::memory_order_relaxed) != expected) {
        fail("dictionary version ", d.version, " has ", d.refs.load(std::memory_order_relaxed),
             " references, ", expected, " expected (segments that need it, +1 if current)");
      }
      held += d.held_bytes();
    });
    if (known != needed.size()) fail("a segment needs a dictionary the store does not hold");
    return held;
  }

  void check_cache(const std::unordered_set<const Segment*>& retired) {
    std::uint64_t blocks = 0;
    s_.cache_.check_invariants([&](const Segment* seg) {
      if (seg->state.load(std::memory_order_relaxed) == SegmentState::kRaw ||
          (segments_.count(seg) == 0 && retired.count(seg) == 0)) {
        fail("a cached segment is not compressed, or neither in the log nor retired");
      }
      blocks += seg->cache_block->bytes;
    });
    if (s_.cache_memory_.bytes_live() < blocks) {
      fail("the cache category holds ", s_.cache_memory_.bytes_live(), " bytes, less than the ",
           blocks, " of the cached blocks");
    }
  }

  const StoreImpl& s_;
  std::vector<std::byte> copy_;  // the compressed segment being walked, decompressed
  std::uint64_t compressed_blocks_ = 0;
  std::unordered_map<const StreamState*, StreamWalk> streams_;
  std::unordered_set<const Segment*> segments_;
  std::map<std::pair<const Segment*, std::uint32_t>, LiveRun> runs_;  // by (segment, offset)
  std::uint64_t events_ = 0;
  std::uint64_t retained_below_ = 0;
  std::uint64_t locator_bytes_ = 0;
  std::uint64_t stream_bytes_ = 0;
  std::uint64_t snapshot_bytes_ = 0;
  std::uint64_t used_ = 0;
  std::uint64_t dead_ = 0;
  std::uint64_t segment_blocks_ = 0;
};

// Lock order (store_impl.hpp): compact_mu_ -> shards (in index order; nobody else holds two) ->
// log_mu_ -> reclaim mutex (inside the walk). Holding every shard lock shared means no append
// is between reserving and publishing, so the log is at rest.
void StoreImpl::check_invariants() const {
  std::lock_guard compact_lock(compact_mu_);
  std::vector<std::shared_lock<std::shared_mutex>> shard_locks;
  shard_locks.reserve(shard_count_);
  for (std::size_t i = 0; i < shard_count_; ++i) shard_locks.emplace_back(shards_[i].mu);
  std::lock_guard log_lock(log_mu_);
  InvariantWalk(*this).run();
}

}  // namespace orchestrix::detail
