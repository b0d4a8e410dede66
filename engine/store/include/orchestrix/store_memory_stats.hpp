// orchestrix/store_memory_stats.hpp — where an EventStore's bytes go, by category.
//
// Every byte the store holds was taken from StoreOptions::memory through one internal counting
// layer per category, so the byte fields below add up (total_bytes()) to exactly the bytes the
// store has live in its resource: the figure an orchestrix::alloc::InstrumentedResource wrapped
// around that resource reports as live, when the store is its only user. Figures are bytes
// *requested* from the resource; the resource's own overhead (headers, rounding) is not visible
// here — see docs/allocators.md.
//
// One field list (ORCHESTRIX_STORE_MEMORY_FIELDS) drives the struct, for_each_field() and
// therefore every printer, JSON writer and bench counter: adding a category is one line.
//
// Taken while other threads append, the figures are a consistent-enough estimate (each counter
// is read once); taken while the store is quiescent they are exact.
#pragma once

#include <cstdint>
#include <string_view>

namespace orchestrix {

// X(name, description) for every byte category.
#define ORCHESTRIX_STORE_MEMORY_FIELDS(X)                                                  \
  X(record_bytes, "encoded events, live: record bytes + run headers in segments")          \
  X(dead_record_bytes, "encoded events below the retained range, not yet compacted away")  \
  X(segment_slack_bytes, "segment space not yet filled (newest segment's tail, a spare)")  \
  X(segment_header_bytes, "fixed per-segment headers")                                     \
  X(retired_segment_bytes, "segments/blocks replaced, kept until readers unpin them")      \
  X(compressed_bytes, "compressed sealed segments (zstd frames), incl. retired segments'") \
  X(cache_bytes, "decompressed-segment read cache, incl. evicted blocks still pinned")     \
  X(codec_bytes, "zstd contexts, workspaces and the compression scratch buffer")           \
  X(dictionary_bytes, "zstd dictionaries (bytes, CDict, DDict) and training samples")      \
  X(log_buffer_bytes, "write-ahead log: frame buffers (writer, appends in flight)")        \
  X(locator_bytes, "per-stream locator arrays (one entry per run of <= 64 events)")        \
  X(stream_table_bytes, "sharded hash tables: stream id -> stream")                        \
  X(stream_metadata_bytes, "per-stream state and the stream id text")                      \
  X(interned_bytes, "interned type/source/content-type strings and their tables")          \
  X(snapshot_bytes, "snapshot blocks (type, version, state), incl. ones held by handles")  \
  X(store_bytes, "the store object itself, shard array, reader-pin bookkeeping")

// A snapshot of the store's memory by category (bytes requested from the resource). Plain
// value; costs O(segments) to take (it walks the segment list under the log lock). With
// compression, record_bytes, dead_record_bytes and segment_slack_bytes cover the segments held
// uncompressed; a compressed segment's records are all in compressed_bytes.
struct StoreMemoryStats {
#define ORCHESTRIX_X_FIELD(name, description) std::uint64_t name = 0;
  ORCHESTRIX_STORE_MEMORY_FIELDS(ORCHESTRIX_X_FIELD)
#undef ORCHESTRIX_X_FIELD

  // Events currently readable (appended minus those below retained ranges).
  std::uint64_t live_events = 0;
  // Events ever appended (== the next global position).
  std::uint64_t appended_events = 0;
  // Segments held (not counting retired ones).
  std::uint64_t segments = 0;
  std::uint64_t streams = 0;
  // Of `segments`, those held compressed (StoreOptions::compression).
  std::uint64_t compressed_segments = 0;
  // Bytes saved by compression: the record bytes of the compressed segments minus their
  // compressed size (not a byte category: nothing holds these bytes).
  std::uint64_t compression_saved_bytes = 0;
  // With a directory: the size of the log file on disk (bytes written to it, synced or not; not
  // memory, so not in total_bytes()). 0 for a memory-only store. docs/durability.md.
  std::uint64_t log_file_bytes = 0;
  // Residency (StoreOptions::resident_bytes, docs/residency.md); none is a byte category: a
  // cold segment's record bytes are in its file, not in memory (its header still counts in
  // segment_header_bytes). resident_sealed_bytes: the sealed blocks that count against
  // resident_bytes (compressed frames; with compression off, complete raw blocks).
  std::uint64_t resident_sealed_bytes = 0;
  // Of `segments`, those whose block is only in their file; the files' total size; the record
  // bytes (uncompressed) those segments hold.
  std::uint64_t cold_segments = 0;
  std::uint64_t cold_file_bytes = 0;
  std::uint64_t cold_record_bytes = 0;
  // Segment file writes that failed (the segment stayed resident; a later pass retried).
  std::uint64_t cold_write_failures = 0;

  // Sum of every byte field.
  std::uint64_t total_bytes() const noexcept {
    std::uint64_t sum = 0;
#define ORCHESTRIX_X_SUM(name, description) sum += (name);
    ORCHESTRIX_STORE_MEMORY_FIELDS(ORCHESTRIX_X_SUM)
#undef ORCHESTRIX_X_SUM
    return sum;
  }

  // total_bytes() / live_events (0 when the store holds no event).
  double bytes_per_event() const noexcept {
    return live_events == 0 ? 0.0
                            : static_cast<double>(total_bytes()) / static_cast<double>(live_events);
  }

  // Calls f(std::string_view name, std::string_view description, std::uint64_t bytes) for each
  // byte field, in declaration order.
  template <class F>
  void for_each_field(F&& f) const {
#define ORCHESTRIX_X_VISIT(name, description) f(std::string_view{#name}, description, name);
    ORCHESTRIX_STORE_MEMORY_FIELDS(ORCHESTRIX_X_VISIT)
#undef ORCHESTRIX_X_VISIT
  }
};

}  // namespace orchestrix
