// The SQLite WAL synchronous=FULL peer of the durable-append benchmarks (sqlite_wal_peer.hpp).
#include "sqlite_wal_peer.hpp"

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace orchestrix::bench {
namespace {

struct SqliteFixture {
  std::string dir;
  sqlite3* db = nullptr;
  sqlite3_stmt* insert = nullptr;
  std::mutex mutex;  // one connection, serialised (SQLite has one writer at a time anyway)
};
SqliteFixture* sqlite = nullptr;

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "sqlite3_exec failed";
    sqlite3_free(error);
    throw std::runtime_error(message);
  }
}

}  // namespace

std::string make_bench_directory(const char* prefix) {
  std::string pattern =
      (std::filesystem::current_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

void sqlite_wal_setup(const benchmark::State&) {
  sqlite = new SqliteFixture;
  sqlite->dir = make_bench_directory("sqlite-bench");
  if (sqlite3_open((sqlite->dir + "/events.db").c_str(), &sqlite->db) != SQLITE_OK) {
    throw std::runtime_error("sqlite3_open failed");
  }
  exec(sqlite->db, "PRAGMA journal_mode=WAL");
  exec(sqlite->db, "PRAGMA synchronous=FULL");
  exec(sqlite->db, "CREATE TABLE events(position INTEGER PRIMARY KEY, data BLOB)");
  if (sqlite3_prepare_v2(sqlite->db, "INSERT INTO events(data) VALUES (?)", -1, &sqlite->insert,
                         nullptr) != SQLITE_OK) {
    throw std::runtime_error("sqlite3_prepare_v2 failed");
  }
}

void sqlite_wal_teardown(const benchmark::State&) {
  sqlite3_finalize(sqlite->insert);
  sqlite3_close(sqlite->db);
  std::filesystem::remove_all(sqlite->dir);
  delete sqlite;
  sqlite = nullptr;
}

void BM_SqliteWalAppend(benchmark::State& state) {
  const auto events = static_cast<std::size_t>(state.range(0));
  const std::vector<std::byte> row(kDurableEventBytes, std::byte{0x42});
  for (auto _ : state) {
    const std::scoped_lock lock(sqlite->mutex);
    exec(sqlite->db, "BEGIN");
    for (std::size_t i = 0; i < events; ++i) {
      sqlite3_bind_blob(sqlite->insert, 1, row.data(), static_cast<int>(row.size()), SQLITE_STATIC);
      if (sqlite3_step(sqlite->insert) != SQLITE_DONE) throw std::runtime_error("insert failed");
      sqlite3_reset(sqlite->insert);
    }
    exec(sqlite->db, "COMMIT");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events));
}

}  // namespace orchestrix::bench
