// memtest_driver — runs what the memory tests measure, for the heaptrack cross-check and the
// compaction and churn figures of docs/memory.md. The store's byte breakdown is printed by one
// program only, orchestrix-mem (docs/tools.md). Built twice: memtest_driver (system, arena,
// pool) and memtest_driver_mimalloc (mimalloc only: linking mimalloc replaces malloc
// process-wide, so it gets its own binary).
//
//   memtest_driver --allocator system --events 100000
//                                                one load in this process, then one line
//                                                "instrumented_peak_bytes <n>" (read by
//                                                heaptrack_check.sh)
//   memtest_driver --compaction [--events N] [--repeat R]
//                                                what compact() frees and costs (driver_commands)
//   memtest_driver --churn                       churn steady-state utilization (driver_commands)
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "driver_commands.hpp"
#include "support/seed_run.hpp"

#if defined(ORCHESTRIX_MEMTEST_DRIVER_MIMALLOC)
#include "orchestrix/alloc/mimalloc_resource.hpp"
#endif

namespace orchestrix::memtest {
namespace {

int run_one(std::string_view allocator, std::uint64_t events) {
  AllocatorStack stack(allocator);
  std::uint64_t peak = 0;
  {
    SeedRun run(stack, events);
    run.load();
    (void)run.read_back();
    peak = run.report().requested_peak;
  }
  std::printf("instrumented_peak_bytes %llu\n", static_cast<unsigned long long>(peak));
  return 0;
}

// The command line. An exit code instead when there is nothing to run: 0 after --help, 2 for
// a usage error (the message is printed).
struct Args {
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
      "  memtest_driver --allocator NAME --events N\n"
      "  memtest_driver --compaction [--allocator NAME] [--events N] [--repeat R]\n"
      "  memtest_driver --churn [--allocator NAME]");
  app.add_flag("--compaction", args.compaction, "What compact() frees and costs");
  app.add_flag("--churn", args.churn, "Churn steady-state utilization");
  app.add_option("--allocator", args.allocator, "Allocator name (system, arena, pool, mimalloc)");
  app.add_option("--events", args.events, "Seed event count")
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
  const bool one_run = !args.compaction && !args.churn;
  if (one_run && (args.allocator.empty() || args.events.size() != 1)) {
    std::fputs(app.help().c_str(), stderr);
    args.exit_code = 2;
  }
  return args;
}

}  // namespace
}  // namespace orchestrix::memtest

namespace orchestrix::memtest {
namespace {

int run(int argc, char** argv) {
#if defined(ORCHESTRIX_MEMTEST_DRIVER_MIMALLOC)
  orchestrix::alloc::register_mimalloc_resource();
#endif
  const Args args = parse_args(argc, argv);
  if (args.exit_code >= 0) return args.exit_code;
  // A std::string, not a view of the conditional's temporary.
  const std::string allocator = args.allocator.empty() ? "system" : args.allocator;
  if (args.compaction) {
    return print_compaction_cost(allocator, args.events.empty() ? 1'000'000 : args.events.front(),
                                 args.repeat);
  }
  if (args.churn) return print_churn(allocator);
  return run_one(allocator, args.events.front());
}

}  // namespace
}  // namespace orchestrix::memtest

// An error that escapes a run is printed and exits 1.
int main(int argc, char** argv) {
  try {
    return orchestrix::memtest::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "memtest_driver: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "memtest_driver: unknown error\n");
  }
  return 1;
}
