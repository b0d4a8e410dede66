// memtest_driver — prints what the memory tests measure, for docs/memory.md and the heaptrack
// cross-check. Built twice: memtest_driver (system, arena, pool) and memtest_driver_mimalloc
// (mimalloc only: linking mimalloc replaces malloc process-wide, so it gets its own binary).
//
//   memtest_driver --table                       bytes per event by category, every allocator of
//                                                this binary at 100k and 1M seed events (each run
//                                                in a forked child, so VmHWM starts clean)
//   memtest_driver --table --events 100000       the same at the given event counts (repeatable)
//   memtest_driver --allocator system --events 100000
//                                                one run in this process: the full report, then a
//                                                last line "instrumented_peak_bytes <n>" (read by
//                                                heaptrack_check.sh)
//   memtest_driver --compaction [--events N] [--repeat R]
//                                                what compact() frees and costs (driver_commands)
//   memtest_driver --churn                       churn steady-state utilization (driver_commands)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "driver_commands.hpp"
#include "driver_fork.hpp"
#include "support/seed_run.hpp"

#if defined(ORCHESTRIX_MEMTEST_DRIVER_MIMALLOC)
#include "orchestrix/alloc/mimalloc_resource.hpp"
#endif

namespace orchestrix::memtest {
namespace {

#if defined(ORCHESTRIX_MEMTEST_DRIVER_MIMALLOC)
const std::vector<std::string_view> kAllocators = {"mimalloc"};
#else
const std::vector<std::string_view> kAllocators = {"system", "arena", "pool"};
#endif

constexpr std::size_t kMaxFields = 32;

// The figures of one run, as plain numbers (sent from the child through a pipe).
struct RunFigures {
  std::uint64_t fields[kMaxFields] = {};  // StoreMemoryStats byte fields, declaration order
  std::uint64_t field_count = 0;
  std::uint64_t events = 0;
  std::uint64_t total = 0;
  std::uint64_t requested_live = 0;
  std::uint64_t requested_peak = 0;
  std::uint64_t held_live = 0;
  std::uint64_t held_peak = 0;
  std::uint64_t rss_delta = 0;
  std::uint64_t hwm_reset = 0;
};

RunFigures measure(std::string_view allocator, std::uint64_t events) {
  AllocatorStack stack(allocator);
  SeedRun run(stack, events);
  run.load();
  (void)run.read_back();
  const SeedReport r = run.report();
  RunFigures f;
  r.store.for_each_field([&](std::string_view, std::string_view, std::uint64_t bytes) {
    if (f.field_count < kMaxFields) f.fields[f.field_count++] = bytes;
  });
  f.events = r.events;
  f.total = r.store.total_bytes();
  f.requested_live = r.requested_live;
  f.requested_peak = r.requested_peak;
  f.held_live = r.held_live;
  f.held_peak = r.held_peak;
  f.rss_delta = r.rss_delta;
  f.hwm_reset = r.hwm_reset ? 1 : 0;
  return f;
}

std::string event_label(std::uint64_t events) {
  if (events % 1'000'000 == 0) return std::to_string(events / 1'000'000) + "M";
  if (events % 1'000 == 0) return std::to_string(events / 1'000) + "k";
  return std::to_string(events);
}

int print_table(const std::vector<std::uint64_t>& event_counts) {
  struct Column {
    std::string title;
    RunFigures figures;
  };
  std::vector<Column> columns;
  for (const std::uint64_t events : event_counts) {
    for (const std::string_view allocator : kAllocators) {
      Column c{std::string(allocator) + " " + event_label(events), {}};
      if (!run_in_child([&] { return measure(allocator, events); }, c.figures)) {
        std::fprintf(stderr, "memtest_driver: run %s failed\n", c.title.c_str());
        return 1;
      }
      columns.push_back(std::move(c));
    }
  }

  std::vector<std::string_view> names;
  StoreMemoryStats{}.for_each_field(
      [&](std::string_view name, std::string_view, std::uint64_t) { names.push_back(name); });

  const auto per_event = [](std::uint64_t bytes, std::uint64_t events) {
    return events == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(events);
  };
  std::printf("Bytes per event, seed workload (seed 42, WallClock::kNo), segment 256 KiB\n\n");
  std::printf("| %-34s |", "category (B/event)");
  for (const Column& c : columns) std::printf(" %12s |", c.title.c_str());
  std::printf("\n|%s|", std::string(36, '-').c_str());
  for (std::size_t i = 0; i < columns.size(); ++i)
    std::printf("%s:|", std::string(13, '-').c_str());
  std::printf("\n");
  const auto row = [&](const char* name, auto&& value_of) {
    std::printf("| %-34s |", name);
    for (const Column& c : columns)
      std::printf(" %12.2f |", per_event(value_of(c.figures), c.figures.events));
    std::printf("\n");
  };
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string name(names[i]);
    row(name.c_str(), [i](const RunFigures& f) { return f.fields[i]; });
  }
  row("**total (memory_stats)**", [](const RunFigures& f) { return f.total; });
  row("instrumented live (requested)", [](const RunFigures& f) { return f.requested_live; });
  row("instrumented peak (requested)", [](const RunFigures& f) { return f.requested_peak; });
  row("held from upstream, peak", [](const RunFigures& f) { return f.held_peak; });
  row("VmHWM delta (whole process)", [](const RunFigures& f) { return f.rss_delta; });
  std::printf("\nMB (10^6 bytes):\n\n| %-34s |", "figure");
  for (const Column& c : columns) std::printf(" %12s |", c.title.c_str());
  std::printf("\n|%s|", std::string(36, '-').c_str());
  for (std::size_t i = 0; i < columns.size(); ++i)
    std::printf("%s:|", std::string(13, '-').c_str());
  std::printf("\n");
  const auto mb_row = [&](const char* name, auto&& value_of) {
    std::printf("| %-34s |", name);
    for (const Column& c : columns)
      std::printf(" %12.2f |", static_cast<double>(value_of(c.figures)) / 1e6);
    std::printf("\n");
  };
  mb_row("instrumented peak (requested)", [](const RunFigures& f) { return f.requested_peak; });
  mb_row("held from upstream, peak", [](const RunFigures& f) { return f.held_peak; });
  mb_row("VmHWM delta (whole process)", [](const RunFigures& f) { return f.rss_delta; });
  for (const Column& c : columns) {
    if (c.figures.hwm_reset == 0) {
      std::printf("\nWARNING: %s: /proc/self/clear_refs not writable; VmHWM row is a VmRSS delta\n",
                  c.title.c_str());
    }
  }
  return 0;
}

int run_one(std::string_view allocator, std::uint64_t events) {
  AllocatorStack stack(allocator);
  std::uint64_t peak = 0;
  {
    SeedRun run(stack, events);
    run.load();
    (void)run.read_back();
    const SeedReport r = run.report();
    std::fputs(format_report(r).c_str(), stdout);
    peak = r.requested_peak;
  }
  std::printf("instrumented_peak_bytes %llu\n", static_cast<unsigned long long>(peak));
  return 0;
}

int usage() {
  std::fputs(
      "usage: memtest_driver --table [--events N[,N...]]\n"
      "       memtest_driver --allocator NAME --events N\n"
      "       memtest_driver --compaction [--allocator NAME] [--events N] [--repeat R]\n"
      "       memtest_driver --churn [--allocator NAME]\n",
      stderr);
  return 2;
}

}  // namespace
}  // namespace orchestrix::memtest

int main(int argc, char** argv) {
  using namespace orchestrix::memtest;
#if defined(ORCHESTRIX_MEMTEST_DRIVER_MIMALLOC)
  orchestrix::alloc::register_mimalloc_resource();
#endif
  bool table = false;
  bool compaction = false;
  bool churn = false;
  int repeat = 5;
  std::string allocator;
  std::vector<std::uint64_t> events;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--table") {
      table = true;
    } else if (arg == "--compaction") {
      compaction = true;
    } else if (arg == "--churn") {
      churn = true;
    } else if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
      if (repeat < 1) return usage();
    } else if (arg == "--allocator" && i + 1 < argc) {
      allocator = argv[++i];
    } else if (arg == "--events" && i + 1 < argc) {
      for (char* p = argv[++i]; *p != '\0';) {
        char* end = nullptr;
        events.push_back(std::strtoull(p, &end, 10));
        if (end == p || events.back() % kSeedBatchEvents != 0) return usage();
        p = *end == ',' ? end + 1 : end;
      }
    } else {
      return usage();
    }
  }
  if (table)
    return print_table(events.empty() ? std::vector<std::uint64_t>{100'000, 1'000'000} : events);
  if (compaction) {
    return print_compaction_cost(allocator.empty() ? "system" : allocator,
                                 events.empty() ? 1'000'000 : events.front(), repeat);
  }
  if (churn) return print_churn(allocator.empty() ? "system" : allocator);
  if (allocator.empty() || events.size() != 1) return usage();
  return run_one(allocator, events.front());
}
