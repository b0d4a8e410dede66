// orchestrix/snapshot.hpp — aggregate snapshots kept in the store's own memory.
//
// A snapshot at version N means "the aggregate state after events 0..N-1; continue reading the
// stream at version N". N may equal the stream's event count (a snapshot at the head) but not
// exceed it. The store keeps the latest StoreOptions::snapshots_per_stream snapshots of each
// stream (default 1); saving one more drops the oldest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace orchestrix {

namespace detail {
struct SnapshotBlob;
}  // namespace detail

// What a caller saves; save_snapshot() copies the bytes.
// Limits: type 1..255 bytes; state 0..StoreOptions::max_payload_bytes.
struct SnapshotData {
  std::uint64_t version = 0;
  std::string_view type;
  std::span<const std::byte> state;
};

// A handle to a stored snapshot. The bytes live in one block taken from the store's memory
// resource and shared by reference count: a handle keeps its snapshot readable even after a
// newer save_snapshot() dropped it from the store (the block is freed when the last handle
// goes). Copying a handle costs one atomic increment; it never copies the state.
//
// Moved-from state: a handle that was moved from is *empty* (it references no block). An empty
// handle may be destroyed, assigned to (from any handle) and copied or assigned from; a copy of
// an empty handle is empty, and assigning an empty handle releases the target's block.
//
// REQUIRES: a handle must not outlive the EventStore that produced it (the block returns to the
// store's memory resource and type() points into the store's intern table). Debug checks catch
// it when the store is destroyed for the snapshots the store still keeps, not for older ones.
// Thread safety: handles may be copied, read and destroyed from any thread.
// Memory: counted under StoreMemoryStats::snapshot_bytes while any handle or the store holds it.
// A save that pushes out a snapshot no handle holds, with a state of the same size (up to
// 4 KiB), rewrites that block in place instead of allocating a new one.
class Snapshot {
 public:
  Snapshot(const Snapshot& other) noexcept;
  Snapshot& operator=(const Snapshot& other) noexcept;
  Snapshot(Snapshot&& other) noexcept;
  Snapshot& operator=(Snapshot&& other) noexcept;
  ~Snapshot();

  // The accessors REQUIRE a non-empty handle (one that was not moved from, nor made from one).
  // N: the snapshot is the state after events 0..N-1.
  std::uint64_t version() const noexcept;
  std::string_view type() const noexcept;
  std::span<const std::byte> state() const noexcept;

 private:
  friend struct SnapshotAccess;  // internal: creates handles
  explicit Snapshot(detail::SnapshotBlob* blob) noexcept : blob_(blob) {}

  detail::SnapshotBlob* blob_;
};

}  // namespace orchestrix
