#include "store_sqlite_peer.hpp"

#include <sqlite3.h>

#include <atomic>
#include <stdexcept>

#include "alloc_count.hpp"

namespace orchestrix::bench {
namespace {

std::atomic<std::int64_t> g_sqlite_bytes{0};
sqlite3_mem_methods g_default_methods{};

void* counting_malloc(int n) {
  count_allocation();
  void* p = g_default_methods.xMalloc(n);
  if (p != nullptr) g_sqlite_bytes.fetch_add(g_default_methods.xSize(p), std::memory_order_relaxed);
  return p;
}

void counting_free(void* p) {
  if (p != nullptr) g_sqlite_bytes.fetch_sub(g_default_methods.xSize(p), std::memory_order_relaxed);
  g_default_methods.xFree(p);
}

void* counting_realloc(void* p, int n) {
  count_allocation();
  const int before = p != nullptr ? g_default_methods.xSize(p) : 0;
  void* q = g_default_methods.xRealloc(p, n);
  if (q != nullptr) {
    g_sqlite_bytes.fetch_add(g_default_methods.xSize(q) - before, std::memory_order_relaxed);
  }
  return q;
}

// Installs the counting methods once, before the first connection starts SQLite.
void install_counting_malloc() {
  static const bool installed = [] {
    sqlite3_config(SQLITE_CONFIG_GETMALLOC, &g_default_methods);
    sqlite3_mem_methods methods = g_default_methods;
    methods.xMalloc = counting_malloc;
    methods.xFree = counting_free;
    methods.xRealloc = counting_realloc;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &methods) != SQLITE_OK) {
      throw std::runtime_error("sqlite: cannot install the counting malloc methods");
    }
    return true;
  }();
  (void)installed;
}

void check(sqlite3* db, int rc, int expected = SQLITE_OK) {
  if (rc != expected) throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  check(db, sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr));
  return s;
}

void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

void bind_blob(sqlite3_stmt* s, int i, const void* p, std::size_t n) {
  sqlite3_bind_blob(s, i, p, static_cast<int>(n), SQLITE_STATIC);
}

// Runs a statement that returns no row, then resets it.
void step_done(sqlite3* db, sqlite3_stmt* s) {
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  check(db, rc, SQLITE_DONE);
}

std::string_view column_text(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))};
}

std::span<const std::byte> column_blob(sqlite3_stmt* s, int i) {
  const auto* p = static_cast<const std::byte*>(sqlite3_column_blob(s, i));
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))};
}

}  // namespace

std::int64_t sqlite_bytes_live() noexcept { return g_sqlite_bytes.load(); }

SqliteStore::SqliteStore() {
  install_counting_malloc();
  if (sqlite3_open(":memory:", &db_) != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("sqlite: " + message);
  }
  try {
    check(db_, sqlite3_exec(db_,
                            "CREATE TABLE events(position INTEGER PRIMARY KEY, stream TEXT NOT "
                            "NULL, version INTEGER NOT NULL, id BLOB NOT NULL, type TEXT NOT "
                            "NULL, source TEXT NOT NULL, content_type TEXT NOT NULL, time INTEGER "
                            "NOT NULL, data BLOB NOT NULL);"
                            "CREATE UNIQUE INDEX events_stream_version ON events(stream, version);"
                            "CREATE TABLE snapshots(stream TEXT PRIMARY KEY, version INTEGER NOT "
                            "NULL, type TEXT NOT NULL, state BLOB NOT NULL) WITHOUT ROWID;",
                            nullptr, nullptr, nullptr));
    head_ = prepare(db_, "SELECT MAX(version) FROM events WHERE stream = ?1");
    insert_ = prepare(db_,
                      "INSERT INTO events(stream, version, id, type, source, content_type, time, "
                      "data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    select_ = prepare(db_,
                      "SELECT version, position, id, type, source, content_type, time, data FROM "
                      "events WHERE stream = ?1 AND version >= ?2 ORDER BY version");
    save_snapshot_ = prepare(
        db_,
        "INSERT OR REPLACE INTO snapshots(stream, version, type, state) VALUES (?1, ?2, ?3, ?4)");
    load_snapshot_ = prepare(db_, "SELECT version, type, state FROM snapshots WHERE stream = ?1");
    begin_ = prepare(db_, "BEGIN");
    commit_ = prepare(db_, "COMMIT");
  } catch (...) {
    for (sqlite3_stmt* s : {head_, insert_, select_, save_snapshot_, load_snapshot_, begin_})
      sqlite3_finalize(s);
    sqlite3_close(db_);
    throw;
  }
}

SqliteStore::~SqliteStore() {
  for (sqlite3_stmt* s :
       {head_, insert_, select_, save_snapshot_, load_snapshot_, begin_, commit_}) {
    sqlite3_finalize(s);
  }
  sqlite3_close(db_);
}

void SqliteStore::append(std::string_view stream, std::span<const EventData> events) {
  std::lock_guard lock(mu_);
  step_done(db_, begin_);
  try {
    bind_text(head_, 1, stream);
    std::int64_t version = 0;
    if (sqlite3_step(head_) == SQLITE_ROW && sqlite3_column_type(head_, 0) != SQLITE_NULL) {
      version = sqlite3_column_int64(head_, 0) + 1;
    }
    sqlite3_reset(head_);
    const std::int64_t now = Timestamp::now().unix_nanos();
    for (const EventData& e : events) {
      const Uuid id = e.id ? *e.id : Uuid::v4();
      bind_text(insert_, 1, stream);
      sqlite3_bind_int64(insert_, 2, version++);
      bind_blob(insert_, 3, id.bytes().data(), id.bytes().size());
      bind_text(insert_, 4, e.type);
      bind_text(insert_, 5, e.source);
      bind_text(insert_, 6, e.content_type);
      sqlite3_bind_int64(insert_, 7, e.time ? e.time->unix_nanos() : now);
      bind_blob(insert_, 8, e.data.data(), e.data.size());
      step_done(db_, insert_);
    }
    step_done(db_, commit_);
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  events_ += events.size();
}

void SqliteStore::read(std::string_view stream, std::uint64_t from,
                       const std::function<void(const SqliteRow&)>& f) const {
  std::lock_guard lock(mu_);
  bind_text(select_, 1, stream);
  sqlite3_bind_int64(select_, 2, static_cast<std::int64_t>(from));
  int rc = 0;
  while ((rc = sqlite3_step(select_)) == SQLITE_ROW) {
    SqliteRow row;
    row.version = static_cast<std::uint64_t>(sqlite3_column_int64(select_, 0));
    row.position = static_cast<std::uint64_t>(sqlite3_column_int64(select_, 1));
    row.id = column_blob(select_, 2);
    row.type = column_text(select_, 3);
    row.source = column_text(select_, 4);
    row.content_type = column_text(select_, 5);
    row.time = sqlite3_column_int64(select_, 6);
    row.data = column_blob(select_, 7);
    f(row);
  }
  sqlite3_reset(select_);
  check(db_, rc, SQLITE_DONE);
}

void SqliteStore::save_snapshot(std::string_view stream, std::uint64_t version,
                                std::string_view type, std::string_view state) {
  std::lock_guard lock(mu_);
  bind_text(save_snapshot_, 1, stream);
  sqlite3_bind_int64(save_snapshot_, 2, static_cast<std::int64_t>(version));
  bind_text(save_snapshot_, 3, type);
  bind_blob(save_snapshot_, 4, state.data(), state.size());
  step_done(db_, save_snapshot_);
}

std::optional<SqliteSnapshot> SqliteStore::load_snapshot(std::string_view stream) const {
  std::lock_guard lock(mu_);
  bind_text(load_snapshot_, 1, stream);
  std::optional<SqliteSnapshot> out;
  if (sqlite3_step(load_snapshot_) == SQLITE_ROW) {
    const std::string_view type = column_text(load_snapshot_, 1);
    const std::span<const std::byte> state = column_blob(load_snapshot_, 2);
    out = SqliteSnapshot{static_cast<std::uint64_t>(sqlite3_column_int64(load_snapshot_, 0)),
                         std::string(type),
                         std::string(reinterpret_cast<const char*>(state.data()), state.size())};
  }
  sqlite3_reset(load_snapshot_);
  return out;
}

std::uint64_t SqliteStore::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

}  // namespace orchestrix::bench
