// The SQLite peer of bench_store: one in-memory database (":memory:"), prepared statements,
// one table of events with a unique index on (stream, version), a table of snapshots.
//
//   events(position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, id BLOB(16), type TEXT,
//          source TEXT, content_type TEXT, time INTEGER, data BLOB), UNIQUE (stream, version)
//   snapshots(stream TEXT PRIMARY KEY, version INTEGER, type TEXT, state BLOB)
//
// append() is one transaction (the stream's head by the index, then one insert per event);
// read() is one indexed range query that reads every column of every row.
//
// Memory: SQLite's own heap. The peer installs counting malloc methods before SQLite starts, so
// sqlite_bytes_live() is every byte SQLite holds (all connections of the process) and every
// allocation counts towards allocs_per_op (alloc_count.hpp).
// Thread safety: one mutex around the connection (SQLite serialises a connection anyway).
// Errors: a failing SQLite call throws std::runtime_error with SQLite's message.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "orchestrix/event.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace orchestrix::bench {

// Bytes SQLite holds right now, in the whole process.
std::int64_t sqlite_bytes_live() noexcept;

// One stored row, as read() hands it out (views valid during the callback only).
struct SqliteRow {
  std::uint64_t version = 0;
  std::uint64_t position = 0;
  std::span<const std::byte> id;
  std::string_view type;
  std::string_view source;
  std::string_view content_type;
  std::int64_t time = 0;
  std::span<const std::byte> data;
};

struct SqliteSnapshot {
  std::uint64_t version = 0;
  std::string type;
  std::string state;
};

class SqliteStore {
 public:
  SqliteStore();
  ~SqliteStore();
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  void append(std::string_view stream, std::span<const EventData> events);
  // Calls `f` for each event of `stream` from version `from` on, in version order.
  void read(std::string_view stream, std::uint64_t from,
            const std::function<void(const SqliteRow&)>& f) const;
  void save_snapshot(std::string_view stream, std::uint64_t version, std::string_view type,
                     std::string_view state);
  // The stream's snapshot, copied out (as a typical load returning a value does).
  std::optional<SqliteSnapshot> load_snapshot(std::string_view stream) const;
  std::uint64_t events() const;

 private:
  mutable std::mutex mu_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* head_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* save_snapshot_ = nullptr;
  sqlite3_stmt* load_snapshot_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  std::uint64_t events_ = 0;
};

}  // namespace orchestrix::bench
