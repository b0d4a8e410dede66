// memtest_residency: a store over a BudgetResource much smaller than its log keeps appending
// when StoreOptions::resident_bytes spills sealed segments to files (docs/residency.md), and
// the process's RSS, not only the store's counters, stays bounded while the log grows on disk.
//
// The store's files go through the POSIX file system into a fresh directory under the system's
// temporary directory, removed at the end. Sanitizer builds run a smaller log and skip the RSS
// bound (ASan's quarantine keeps freed blocks resident on purpose).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/process_memory.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/event_store.hpp"

using namespace orchestrix;

namespace {

#if defined(ORCHESTRIX_MEMTEST_SANITIZED)
constexpr std::uint64_t kLogBytes = 48ULL << 20;
#else
constexpr std::uint64_t kLogBytes = 256ULL << 20;
#endif
constexpr std::size_t kBudget = 24U << 20;
constexpr std::size_t kResident = 4U << 20;

std::uint64_t rss() {
  return alloc::read_process_memory().value_or(alloc::ProcessMemory{}).rss_bytes;
}

}  // namespace

TEST_CASE("a log ten times the memory budget: appends go on, counters and RSS stay bounded") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      std::string("orchestrix-memtest-residency-").append(std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string payload(1000, 'x');
  for (std::size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<char>('a' + (i * 7919 + i / 13) % 26);  // not very compressible
  }
  std::vector<std::string> streams;
  for (int s = 0; s < 64; ++s) streams.push_back(std::string("s").append(std::to_string(s)));
  std::uint64_t rss_early = 0;
  std::uint64_t rss_end = 0;
  {
    alloc::BudgetResource budget(alloc::system_resource(), kBudget);
    StoreOptions o;
    o.memory = &budget;
    o.directory = dir.string();
    o.resident_bytes = kResident;
    // Residency, not durability, is under test: the log is written but not synced per append
    // (kOnCommit would add an fdatasync to each of the ~270,000 appends: minutes of waiting).
    o.durability = Durability::kNone;
    o.compression.cache_bytes = 1U << 20;
    EventStore store(o);
    std::uint64_t appended = 0;
    std::uint64_t i = 0;
    while (appended < kLogBytes) {
      EventData e;
      e.type = "Tick";
      e.data = std::as_bytes(std::span<const char>(payload.data(), payload.size()));
      // BudgetExceeded here would fail the test: the store must not need the whole log.
      store.append(streams[i % 64], std::span<const EventData>(&e, 1));
      appended += payload.size();
      ++i;
      if (rss_early == 0 && appended >= kLogBytes / 4) rss_early = rss();
    }
    rss_end = rss();
    const StoreMemoryStats m = store.memory_stats();
    CHECK(m.total_bytes() <= kBudget);
    CHECK(budget.bytes_live() <= kBudget);
    CHECK(m.resident_sealed_bytes <= kResident);
    CHECK(m.cold_record_bytes > kLogBytes * 9 / 10);
    CHECK(m.cold_write_failures == 0);
    // The oldest and the newest events still read back.
    std::uint64_t n = 0;
    for (const EventView& v : store.read("s0")) {
      CHECK(v.data().size() == payload.size());
      if (++n == 100) break;
    }
    CHECK(n == 100);
    MESSAGE("log ", appended >> 20, " MiB, store holds ", m.total_bytes() >> 20, " MiB (budget ",
            kBudget >> 20, " MiB), RSS at a quarter of the log ", rss_early >> 20,
            " MiB, at the end ", rss_end >> 20, " MiB");
  }
  std::filesystem::remove_all(dir);
#if !defined(ORCHESTRIX_MEMTEST_SANITIZED)
  // The last three quarters of the log (192 MiB) add less than the budget to RSS.
  CHECK(rss_end < rss_early + kBudget);
#endif
}
