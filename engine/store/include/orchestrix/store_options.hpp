// orchestrix/store_options.hpp — how an EventStore is configured.
//
// Every option has a safe default; EventStore's constructor validates them and throws
// InvalidArgument on a value outside the documented range.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>

namespace orchestrix {

// What happens to a stream's events once it has a snapshot (see compaction in
// docs/architecture.md). kKeepAll: nothing. kKeepBeforeSnapshot: keep `keep_events` events
// before the latest snapshot's version, the older ones become dead. kDropBeforeSnapshot: every
// event below the latest snapshot's version becomes dead. Dead events are no longer readable
// (reads report the first retained version); their memory returns to the resource when
// EventStore::compact() rewrites the segments that hold them.
struct RetentionPolicy {
  enum class Kind : std::uint8_t { kKeepAll, kKeepBeforeSnapshot, kDropBeforeSnapshot };

  static constexpr RetentionPolicy keep_all() noexcept { return {Kind::kKeepAll, 0}; }
  static constexpr RetentionPolicy keep_before_snapshot(std::uint64_t events) noexcept {
    return {Kind::kKeepBeforeSnapshot, events};
  }
  static constexpr RetentionPolicy drop_before_snapshot() noexcept {
    return {Kind::kDropBeforeSnapshot, 0};
  }

  Kind kind = Kind::kKeepAll;
  std::uint64_t keep_events = 0;
};

// Compression of sealed log segments (docs/compression.md): when a segment is sealed and complete,
// the appending thread that sealed it compresses its records with zstd (best effort: a failed
// allocation leaves the segment uncompressed, the append succeeds) and the uncompressed block
// goes back to the resource once no read range pins it; reads decompress on demand into a
// bounded cache (a read that misses allocates and may throw std::bad_alloc). Every byte of it
// (compressed blocks, cache, codec workspaces, allocated once per store, dictionaries) comes
// from StoreOptions::memory and is counted (StoreMemoryStats::compressed_bytes, cache_bytes,
// codec_bytes, dictionary_bytes). Off by default.
struct CompressionOptions {
  bool enabled = false;
  // zstd level. Range [-7, -1] (zstd's fast levels: faster, larger) or [1, 19].
  int level = 3;
  // Train zstd dictionaries from the store's own sealed segments and use one where it makes
  // frames smaller (docs/compression.md, "Dictionaries"): costs up to 512 KiB of samples while
  // sampling, and per dictionary version 16 KiB plus its CDict/DDict (~100-300 KiB at the
  // default level), held while the dictionary is current or a segment needs it. Training runs
  // in the thread that compresses, at most once per retraining, and uses zstd's trainer, which
  // allocates its work tables (~1.5 MiB) with malloc and frees them before it returns.
  bool dictionary = true;
  // Bound of the decompressed-segment cache, in bytes; at least 64 KiB (ranges still reading an
  // evicted block keep it until they are destroyed; a segment larger than the bound is cached
  // alone).
  std::size_t cache_bytes = 8 * 1024 * 1024;
};

// What an acknowledged append promises when the store has a directory (StoreOptions::directory;
// docs/durability.md has what a process crash and a power loss can lose in each mode).
//   kNone      written to the log file (the OS page cache) before append() returns, not synced.
//   kOnCommit  on stable storage (fdatasync returned) before append() returns; concurrent appends
//              share one sync (group commit).
//   kPeriodic  written before append() returns; synced at most StoreOptions::sync_interval later.
// The same holds for save_snapshot() and set_retention(). A change is visible to readers once its
// frame is written, before the sync; a failed write or sync throws IoError from the call and the
// store refuses every later change until it is reopened.
enum class Durability : std::uint8_t { kNone, kOnCommit, kPeriodic };

// What opening a directory does when a file's bytes are damaged before its end (not a torn tail,
// which is always cut): kRefuse throws orchestrix::CorruptionError saying what and where;
// kSalvage keeps everything before the first bad record (a frame whose CRC does not match, or
// one that cannot be decoded or replayed), cuts the file there and drops the rest.
enum class RecoveryPolicy : std::uint8_t { kRefuse, kSalvage };

struct StoreOptions {
  // Where every byte the store holds comes from (records, indexes, interned strings, snapshots,
  // hash tables, the store object itself). nullptr: std::pmr::get_default_resource() at
  // construction. REQUIRES: the resource outlives the store and is safe to call from every
  // thread that uses the store (wrap a single-threaded resource in a synchronized one); not
  // checkable.
  std::pmr::memory_resource* memory = nullptr;

  // Size of one log segment, header included. Range [64 KiB, 16 MiB]. A record larger than a
  // segment gets a segment of its own, sized to fit. Unused tail space of the newest segment is
  // reported as StoreMemoryStats::segment_slack_bytes.
  std::size_t segment_bytes = 256 * 1024;

  // Number of stream-index shards (each with its own lock). Range [1, 1024].
  std::size_t shards = 16;

  // How many snapshots each stream keeps (the newest ones). Range [1, 64].
  std::size_t snapshots_per_stream = 1;

  // Largest event payload / snapshot state accepted, in bytes. Range [0, 64 MiB].
  std::size_t max_payload_bytes = 1024 * 1024;

  // Retention applied when a snapshot is saved (compaction; see RetentionPolicy). Streams may
  // override it with EventStore::set_retention().
  RetentionPolicy retention = RetentionPolicy::keep_all();

  // Automatic compaction. 0 disables each trigger.
  // auto_compact_dead_ratio in (0, 1]: after a snapshot made events dead, compact when the dead
  //   record bytes reach this fraction of all record bytes in segments.
  // soft_limit_bytes: after an append or snapshot, compact when the store holds at least this
  //   many bytes and some are dead (set it below a BudgetResource's hard limit so that
  //   compaction runs before appends start failing).
  // Compaction then runs synchronously in the thread whose call crossed the threshold (one
  // compaction at a time; a thread that finds one running does not wait for it).
  double auto_compact_dead_ratio = 0.0;
  std::size_t soft_limit_bytes = 0;

  // Compression of sealed segments (see CompressionOptions).
  CompressionOptions compression{};

  // Durability (docs/durability.md). Empty: memory only, no file is touched. Otherwise the
  // store keeps its log in this directory (created when missing) and the constructor recovers
  // what is there; one store per directory at a time (a second one, in any process, gets
  // IoError with EWOULDBLOCK). File errors throw orchestrix::IoError, damaged files
  // orchestrix::CorruptionError (see `recovery`). The log is the file log-000001.orx; its frame
  // buffers are counted in StoreMemoryStats::log_buffer_bytes and its size on disk in
  // log_file_bytes. StoreOptions::retention is not logged: reopen with the same options.
  std::string directory{};
  Durability durability = Durability::kOnCommit;
  // kPeriodic: the longest time an acknowledged append stays unsynced. Range [1 ms, 60 s].
  std::chrono::milliseconds sync_interval{100};
  RecoveryPolicy recovery = RecoveryPolicy::kRefuse;
  // With a directory: how many bytes of sealed segment blocks (compressed frames; with
  // compression off, complete raw blocks) stay in memory. After a segment is sealed, the oldest
  // ones beyond the bound are written to "seg-<first position>.orx" files in the directory
  // (through the store's FileSystem, not synced: a spill, removed when the store opens or the
  // segment is freed) and dropped from memory; reads fill the read cache
  // (CompressionOptions::cache_bytes, which also bounds cold raw segments) from the file and
  // may then throw orchestrix::IoError or orchestrix::CorruptionError. A failed write leaves the
  // segment resident and is retried after the next seal. The open segment, segments waiting
  // for the compressor, and blocks pinned by live ranges come on top of the bound. 0: no limit
  // (every segment stays resident). See docs/residency.md.
  std::size_t resident_bytes = 0;
};

}  // namespace orchestrix
