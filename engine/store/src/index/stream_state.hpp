// Internal: per-stream state held by the sharded stream index.
//
// Locators: one entry per run (<= 64 events of the stream, contiguous in one segment), sorted by
// first_version. Reading version v = binary search for the run, then skip v - first_version
// records inside it (at most 63). 24 bytes per run, i.e. ~0.4 bytes per event for full runs.
//
// Guarded by the shard's shared_mutex: writers (append, snapshot, compaction) hold it
// exclusively, readers shared. `name` and the StreamState address never change while the store
// lives, so run headers may store the pointer and read_all() may read `name` without a lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory_resource>
#include <string_view>
#include <vector>

#include "log/segment.hpp"
#include "orchestrix/store_options.hpp"

namespace orchestrix::detail {

struct SnapshotBlob;

struct Locator {
  Segment* segment = nullptr;
  std::uint64_t first_version = 0;
  std::uint32_t offset = 0;  // of the run header within segment->data()
  std::uint32_t bytes = 0;   // run header + records
};

struct StreamState {
  StreamState(std::string_view stream_name, std::pmr::memory_resource* locator_memory,
              std::pmr::memory_resource* snapshot_list_memory)
      : name(stream_name), locators(locator_memory), snapshots(snapshot_list_memory) {}

  std::string_view name;    // points just past this object, same allocation
  std::uint32_t shard = 0;  // index of the shard that owns it
  // Number of events ever appended (head version + 1). Written under the exclusive shard lock.
  std::uint64_t event_count = 0;
  // Lowest readable version (retention). Atomic: read_all() reads it without the shard lock.
  std::atomic<std::uint64_t> first_retained{0};
  std::pmr::vector<Locator> locators;
  // Record bytes at the start of locators.front()'s run already counted dead (retention cut
  // into the middle of that run; its header stays live until the whole run is dead).
  std::uint32_t front_dead_bytes = 0;
  bool has_retention = false;  // `retention` overrides the store's policy
  RetentionPolicy retention;
  std::pmr::vector<SnapshotBlob*> snapshots;  // oldest first
};

}  // namespace orchestrix::detail
