// bench_durable: durable append throughput of the log writer (engine/durable) with kOnCommit
// (every append returns once fdatasync covered it; concurrent appenders share syncs: group
// commit) against SQLite in WAL mode with synchronous=FULL, both on the same file system: a
// fresh directory under the working directory (run it from the file system to measure).
//
//   BM_DurableAppend/<events>/threads:<n>   one frame of <events> events of 100 bytes per append
//   BM_SqliteWalAppend/<events>/threads:<n> one transaction inserting <events> rows of 100 bytes
//
// items_per_second counts events, all threads together (UseRealTime): the total rate.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <orchestrix/durable/log_writer.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using orchestrix::durable::Durability;
using orchestrix::durable::LogWriter;

constexpr std::size_t kEventBytes = 100;

std::string make_directory() {
  std::string pattern = (std::filesystem::current_path() / "durable-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

struct DurableFixture {
  std::string dir;
  std::unique_ptr<LogWriter> writer;
};
DurableFixture* durable = nullptr;

void durable_setup(const benchmark::State&) {
  durable = new DurableFixture{make_directory(), nullptr};
  orchestrix::durable::WriterOptions options;
  options.durability = Durability::kOnCommit;
  durable->writer = LogWriter::create(orchestrix::durable::posix_file_system(),
                                      durable->dir + "/log", orchestrix::Uuid::v4(), options);
}

void durable_teardown(const benchmark::State&) {
  durable->writer->close();
  std::filesystem::remove_all(durable->dir);
  delete durable;
  durable = nullptr;
}

void BM_DurableAppend(benchmark::State& state) {
  const auto events = static_cast<std::size_t>(state.range(0));
  const std::vector<std::byte> payload(events * kEventBytes, std::byte{0x42});
  for (auto _ : state) {
    benchmark::DoNotOptimize(durable->writer->append(1, payload));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events));
}

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

void sqlite_setup(const benchmark::State&) {
  sqlite = new SqliteFixture;
  sqlite->dir = make_directory();
  if (sqlite3_open((sqlite->dir + "/events.db").c_str(), &sqlite->db) != SQLITE_OK) {
    throw std::runtime_error("sqlite3_open failed");
  }
  exec(sqlite->db, "PRAGMA journal_mode=WAL");
  exec(sqlite->db, "PRAGMA synchronous=FULL");
  exec(sqlite->db, "CREATE TABLE events(position INTEGER PRIMARY KEY, data BLOB)");
  sqlite3_prepare_v2(sqlite->db, "INSERT INTO events(data) VALUES (?)", -1, &sqlite->insert,
                     nullptr);
}

void sqlite_teardown(const benchmark::State&) {
  sqlite3_finalize(sqlite->insert);
  sqlite3_close(sqlite->db);
  std::filesystem::remove_all(sqlite->dir);
  delete sqlite;
  sqlite = nullptr;
}

void BM_SqliteWalAppend(benchmark::State& state) {
  const auto events = static_cast<std::size_t>(state.range(0));
  const std::vector<std::byte> row(kEventBytes, std::byte{0x42});
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

BENCHMARK(BM_DurableAppend)
    ->Arg(1)
    ->Arg(100)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->UseRealTime()
    ->Setup(durable_setup)
    ->Teardown(durable_teardown);
BENCHMARK(BM_SqliteWalAppend)
    ->Arg(1)
    ->Arg(100)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->UseRealTime()
    ->Setup(sqlite_setup)
    ->Teardown(sqlite_teardown);

}  // namespace
