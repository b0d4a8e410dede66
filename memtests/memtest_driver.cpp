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
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
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
  // A Markdown table: a header row naming the columns, then one row per figure, each cell
  // scale(value, events) printed with two decimals.
  const auto header = [&](const char* first) {
    std::printf("| %-34s |", first);
    for (const Column& c : columns) std::printf(" %12s |", c.title.c_str());
    std::printf("\n|%s|", std::string(36, '-').c_str());
    for (std::size_t i = 0; i < columns.size(); ++i)
      std::printf("%s:|", std::string(13, '-').c_str());
    std::printf("\n");
  };
  const auto row = [&](const char* name, auto&& value_of, auto&& scale) {
    std::printf("| %-34s |", name);
    for (const Column& c : columns)
      std::printf(" %12.2f |", scale(value_of(c.figures), c.figures.events));
    std::printf("\n");
  };
  const auto mb = [](std::uint64_t bytes, std::uint64_t) {
    return static_cast<double>(bytes) / 1e6;
  };
  const auto requested_peak = [](const RunFigures& f) { return f.requested_peak; };
  const auto held_peak = [](const RunFigures& f) { return f.held_peak; };
  const auto rss_delta = [](const RunFigures& f) { return f.rss_delta; };

  std::printf("Bytes per event, seed workload (seed 42, WallClock::kNo), segment 256 KiB\n\n");
  header("category (B/event)");
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string name(names[i]);
    row(
        name.c_str(), [i](const RunFigures& f) { return f.fields[i]; }, per_event);
  }
  row(
      "**total (memory_stats)**", [](const RunFigures& f) { return f.total; }, per_event);
  row(
      "instrumented live (requested)", [](const RunFigures& f) { return f.requested_live; },
      per_event);
  row("instrumented peak (requested)", requested_peak, per_event);
  row("held from upstream, peak", held_peak, per_event);
  row("VmHWM delta (whole process)", rss_delta, per_event);
  std::printf("\nMB (10^6 bytes):\n\n");
  header("figure");
  row("instrumented peak (requested)", requested_peak, mb);
  row("held from upstream, peak", held_peak, mb);
  row("VmHWM delta (whole process)", rss_delta, mb);
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

// The command line. An exit code instead when there is nothing to run: 0 after --help, 2 for
// a usage error (the message is printed).
struct Args {
  bool table = false;
  bool compaction = false;
  bool churn = false;
  int repeat = 5;
  std::string allocator;
  std::vector<std::uint64_t> events;
  int exit_code = -1;
};

// The parser lives only here: its own heap blocks are freed before any measured run forks.
Args parse_args(int argc, char** argv) {
  Args args;
  CLI::App app{"memtest_driver: prints what the memory tests measure (docs/memory.md)"};
  app.footer(
      "Modes:\n"
      "  memtest_driver --table [--events N[,N...]]\n"
      "  memtest_driver --allocator NAME --events N\n"
      "  memtest_driver --compaction [--allocator NAME] [--events N] [--repeat R]\n"
      "  memtest_driver --churn [--allocator NAME]");
  app.add_flag("--table", args.table, "Bytes per event by category, every allocator here");
  app.add_flag("--compaction", args.compaction, "What compact() frees and costs");
  app.add_flag("--churn", args.churn, "Churn steady-state utilization");
  app.add_option("--allocator", args.allocator, "Allocator name (system, arena, pool, mimalloc)");
  app.add_option("--events", args.events, "Seed event counts, comma-separated or repeated")
      ->delimiter(',')
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            std::uint64_t n = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            if (ec != std::errc{} || end != text.data() + text.size() ||
                n % kSeedBatchEvents != 0) {
              return "not a multiple of " + std::to_string(kSeedBatchEvents) + ": " + text;
            }
            return {};
          },
          "MULTIPLE OF 100"));
  app.add_option("--repeat", args.repeat, "Runs per compaction scenario (medians printed)")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    args.exit_code = app.exit(e) == 0 ? 0 : 2;  // prints the help or the error
    return args;
  }
  const bool one_run = !args.table && !args.compaction && !args.churn;
  if (one_run && (args.allocator.empty() || args.events.size() != 1)) {
    std::fputs(app.help().c_str(), stderr);
    args.exit_code = 2;
  }
  return args;
}

}  // namespace
}  // namespace orchestrix::memtest

int main(int argc, char** argv) {
  using namespace orchestrix::memtest;
#if defined(ORCHESTRIX_MEMTEST_DRIVER_MIMALLOC)
  orchestrix::alloc::register_mimalloc_resource();
#endif
  const Args args = parse_args(argc, argv);
  if (args.exit_code >= 0) return args.exit_code;
  const std::string_view allocator = args.allocator.empty() ? "system" : args.allocator;
  if (args.table) {
    return print_table(args.events.empty() ? std::vector<std::uint64_t>{100'000, 1'000'000}
                                           : args.events);
  }
  if (args.compaction) {
    return print_compaction_cost(allocator, args.events.empty() ? 1'000'000 : args.events.front(),
                                 args.repeat);
  }
  if (args.churn) return print_churn(allocator);
  return run_one(allocator, args.events.front());
}
