// The LMDB peer of bench_store: an LMDB environment in a temporary directory on tmpfs
// ($TMPDIR when set, otherwise /dev/shm, otherwise /tmp), created by the constructor and
// removed (files and directory) by the destructor. Opened with MDB_NOSYNC: on tmpfs there is
// nothing to flush, and the peer is compared with in-memory stores.
//
// Databases: "events": key = stream bytes, 0x00, version (8 bytes big-endian, so a stream's
// events are adjacent and in version order); value = position (8), time (8), id (16), then
// type, source and content type (a byte of length each, then the bytes), then the data.
// "heads": stream -> next version (8). "snapshots": stream -> version (8), type (a byte of
// length, the bytes), state.
//
// append() is one write transaction; read() one read transaction with a cursor positioned at
// (stream, from) that decodes every field of every event.
//
// Memory: bytes_used() = pages in use (last page number + 1) x page size: what the file holds.
// Thread safety: as LMDB: writers are serialised by its writer lock; any thread may read.
// Errors: a failing LMDB call throws std::runtime_error with LMDB's message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "orchestrix/event.hpp"

namespace orchestrix::bench {

// One stored event, as read() hands it out (views valid during the callback only).
struct LmdbEvent {
  std::uint64_t version = 0;
  std::uint64_t position = 0;
  std::span<const std::byte> id;
  std::string_view type;
  std::string_view source;
  std::string_view content_type;
  std::int64_t time = 0;
  std::span<const std::byte> data;
};

struct LmdbSnapshot {
  std::uint64_t version = 0;
  std::string type;
  std::string state;
};

class LmdbStore {
 public:
  LmdbStore();
  ~LmdbStore();
  LmdbStore(const LmdbStore&) = delete;
  LmdbStore& operator=(const LmdbStore&) = delete;

  void append(std::string_view stream, std::span<const EventData> events);
  // Calls `f` for each event of `stream` from version `from` on, in version order.
  void read(std::string_view stream, std::uint64_t from,
            const std::function<void(const LmdbEvent&)>& f) const;
  void save_snapshot(std::string_view stream, std::uint64_t version, std::string_view type,
                     std::string_view state);
  // The stream's snapshot, copied out.
  std::optional<LmdbSnapshot> load_snapshot(std::string_view stream) const;
  std::uint64_t events() const;
  std::uint64_t bytes_used() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orchestrix::bench
