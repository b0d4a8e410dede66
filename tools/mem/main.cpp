// orchestrix-mem — will it fit, and with which allocator? (docs/tools.md)
//
//   orchestrix-mem budget [run options] [--limit-mb M] [--resource R] [--json|--csv] [--chart F]
//       Loads N events of a reference workload (optionally with snapshots, retention and
//       compaction) into an EventStore, prints where every byte went and a verdict.
//   orchestrix-mem budget --input FILE [run options] [--compression on|off] [--no-compare] ...
//       The user's own CloudEvents (JSON lines) cycled to N events, with compression on and off
//       (one child process each), raw JSON bytes beside the bytes held, and a verdict.
//   orchestrix-mem swap [run options] [--allocators a,b,...] [--json|--csv] [--chart F]
//       The same run under glibc, mimalloc, jemalloc, tcmalloc (LD_PRELOAD), the bump arena and
//       the slab pool, each in a clean child process, side by side.
//   orchestrix-mem heaptrack [run options] [--resource R] [--json]
//       The budget run under heaptrack, its figures beside the instrumented ones.
//
// Exit codes: 0 fits, 1 does not fit (or the hard cap stopped the run), 2 bad arguments or a
// failed run, 3 the machine ran out of memory (a partial report is printed).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <new>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "commands.hpp"
#include "orchestrix/alloc/registry.hpp"
#include "orchestrix/churn_workload.hpp"
#include "orchestrix/cloudevents/errors.hpp"
#include "quantity.hpp"
#include "run.hpp"
#include "swap.hpp"

namespace {

namespace tools = orchestrix::tools;
using tools::RunConfig;

constexpr std::uint64_t kMaxEvents = 100'000'000;
constexpr std::uint64_t kMaxBytes = 1'000'000'000'000'000'000;  // 10^18: no limit in practice

// A CLI11 check from one of quantity.hpp's parsers: the parser's message, or "" when it fits.
template <class Parse>
CLI::Validator quantity_check(std::string description, Parse parse) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        auto parsed = parse(text);
        if (auto* error = std::get_if<std::string>(&parsed)) return *error;
        return {};
      },
      std::move(description));
}

CLI::Validator count_check(std::uint64_t min) {
  return quantity_check(
      "COUNT", [min](const std::string& t) { return tools::parse_count(t, min, kMaxEvents); });
}

std::uint64_t count_of(const std::string& text, std::uint64_t min) {
  return std::get<std::uint64_t>(tools::parse_count(text, min, kMaxEvents));
}

std::uint64_t bytes_of(const std::string& text) {
  return std::get<std::uint64_t>(tools::parse_size_mb(text, 1, kMaxBytes));
}

// The options every sub-command shares, as typed; applied to a RunConfig after parsing.
struct RunOptions {
  std::string events = "1000000";
  std::string workload = "seed";
  std::size_t segment_kib = 256;
  std::uint64_t seed = 42;
  std::string churn_streams = "10000";
  std::uint32_t churn_batch = 10;
  std::optional<std::string> snapshot_every;
  std::optional<std::string> retention;
  std::optional<double> auto_compact;
  std::string compact_every = "0";
  std::string progress = "auto";
  std::optional<std::string> input;
  std::string stream_by = "subject";
  std::uint32_t input_batch = 10;
  std::string compression = "default";
};

void add_run_options(CLI::App& cmd, RunOptions& o) {
  cmd.add_option("--events,-n", o.events, "Number of events to load: 1000000, 1e6 or 1M")
      ->check(count_check(1))
      ->capture_default_str();
  auto* workload =
      cmd.add_option(
             "--workload,-w", o.workload,
             "Reference workload (docs/memory.md): seed, mixed, or churn (streams growing "
             "while snapshots make old events dead; implies --snapshot-every 100 --retention "
             "drop --auto-compact 0.05 unless given)")
          ->check(CLI::IsMember({"seed", "mixed", "churn"}))
          ->capture_default_str();
  cmd.add_option("--segment-kib", o.segment_kib, "Store segment size in KiB")
      ->check(CLI::Range(64, 16 * 1024))
      ->capture_default_str();
  cmd.add_option("--seed", o.seed, "Workload random seed (--input: the seed of the fresh ids)")
      ->capture_default_str();
  cmd.add_option("--input,-i", o.input,
                 "Load the user's own events instead of a reference workload: a file of "
                 "CloudEvents JSON lines, cycled to --events with fresh ids and times "
                 "(docs/tools.md)")
      ->excludes(workload);
  cmd.add_option("--stream-by", o.stream_by,
                 "--input: the attribute naming an event's stream: subject (the source when an "
                 "event has no subject), source or type")
      ->check(CLI::IsMember({"subject", "source", "type"}))
      ->capture_default_str();
  cmd.add_option("--input-batch", o.input_batch,
                 "--input: at most this many consecutive events of one stream per append")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  cmd.add_option("--compression", o.compression,
                 "Compression of sealed segments (StoreOptions::compression): on, off, or "
                 "default (the store's default)")
      ->check(CLI::IsMember({"on", "off", "default"}))
      ->capture_default_str();
  cmd.add_option("--churn-streams", o.churn_streams, "churn: number of streams")
      ->check(count_check(1))
      ->capture_default_str();
  cmd.add_option("--churn-batch", o.churn_batch, "churn: events per append")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  cmd.add_option("--snapshot-every", o.snapshot_every,
                 "Snapshot a stream once it has this many events past its latest snapshot (0: "
                 "never; default 0, churn 100)")
      ->check(count_check(0));
  cmd.add_option("--retention", o.retention,
                 "What a snapshot makes dead: keep-all, drop (every event before it) or keep:N "
                 "(all but the N before it); default keep-all, churn drop")
      ->check(CLI::Validator(
          [](std::string& t) -> std::string {
            return tools::parse_retention(t) ? ""
                                             : "'" + t + "': expected keep-all, drop or keep:N";
          },
          "POLICY"));
  cmd.add_option("--auto-compact", o.auto_compact,
                 "Compact automatically once dead records are this fraction of the records (0: "
                 "off; default 0, churn 0.05)")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--compact-every", o.compact_every,
                 "Call compact() every this many appended events (0: never)")
      ->check(count_check(0))
      ->capture_default_str();
  cmd.add_option("--progress", o.progress,
                 "Progress bar on stderr: auto (when stderr is a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
}

RunConfig config_of(const RunOptions& o, const std::string& resource) {
  RunConfig c;
  c.events = count_of(o.events, 1);
  c.workload = o.workload;
  c.resource = resource;
  c.segment_bytes = o.segment_kib * 1024;
  c.seed = o.seed;
  c.churn_streams = count_of(o.churn_streams, 1);
  c.churn_batch_events = o.churn_batch;
  const bool churn = o.workload == "churn";
  c.snapshot_every = o.snapshot_every ? count_of(*o.snapshot_every, 0) : churn ? 100 : 0;
  c.retention = o.retention ? *tools::parse_retention(*o.retention)
                : churn     ? orchestrix::RetentionPolicy::drop_before_snapshot()
                            : orchestrix::RetentionPolicy::keep_all();
  c.auto_compact_ratio = o.auto_compact ? *o.auto_compact
                         : churn        ? orchestrix::kChurnAutoCompactDeadRatio
                                        : 0.0;
  c.compact_every = count_of(o.compact_every, 0);
  if (o.compression != "default") c.compression = o.compression == "on";
  if (o.input) {
    c.input = *o.input;
    c.workload = "input";
  }
  c.stream_by = o.stream_by;
  c.input_batch_events = o.input_batch;
  return c;
}

void add_output_options(CLI::App& cmd, bool& json, bool& csv, std::string& chart) {
  auto* j = cmd.add_flag("--json", json, "Print one JSON document instead of the table");
  cmd.add_flag("--csv", csv, "Print CSV instead of the table")->excludes(j);
  cmd.add_option("--chart", chart,
                 "Also draw a chart with gnuplot into FILE.svg or FILE.png (docs/tools.md)");
}

std::vector<std::string> budget_resources() {
  std::vector<std::string> names;
  for (std::string_view n : orchestrix::alloc::resource_names()) names.emplace_back(n);
  for (const char* m : {"mimalloc", "jemalloc", "tcmalloc"}) names.emplace_back(m);
  return names;
}

constexpr const char* kExitCodes =
    "Exit codes: 0 fits; 1 does not fit (or the hard cap stopped the run); 2 bad arguments or a "
    "failed run; 3 the machine ran out of memory (a partial report is printed).";

// Sets up the options, parses argv and runs the sub-command.
int run_cli(int argc, char** argv) {
  CLI::App app{"orchestrix-mem: will it fit, and with which allocator? (docs/tools.md)"};
  app.footer(kExitCodes);
  app.require_subcommand(1);

  RunOptions run;
  std::string resource = "system";
  std::string limit_mb = "64";
  std::string verdict_on = "both";
  bool json = false;
  bool csv = false;
  std::string chart;
  std::optional<std::string> hard_cap_mb;
  const auto size_check = quantity_check(
      "SIZE", [](const std::string& t) { return tools::parse_size_mb(t, 1, kMaxBytes); });

  CLI::App* budget = app.add_subcommand(
      "budget", "Will N events fit in M megabytes? Prints the breakdown and a verdict.");
  budget->footer(kExitCodes);
  add_run_options(*budget, run);
  budget
      ->add_option("--resource,-r", resource,
                   "The store's memory resource; mimalloc, jemalloc and tcmalloc re-run this "
                   "program with the library preloaded (LD_PRELOAD)")
      ->check(CLI::IsMember(budget_resources()))
      ->capture_default_str();
  budget
      ->add_option("--limit-mb,-l", limit_mb,
                   "The budget: MB (10^6 bytes), or with a unit: 64MB, 0.5GB, 1GiB, 512KiB")
      ->check(size_check)
      ->capture_default_str();
  budget
      ->add_option("--verdict-on", verdict_on,
                   "Which figure must fit: instrumented (bytes the store holds at peak), rss "
                   "(peak RSS growth of the process), both")
      ->check(CLI::IsMember({"instrumented", "rss", "both"}))
      ->capture_default_str();
  budget
      ->add_option("--hard-cap-mb", hard_cap_mb,
                   "Cap the store's resource (BudgetResource) at this many MB (or a size with "
                   "a unit, as --limit-mb): the run stops at the first BudgetExceeded")
      ->check(size_check);
  bool no_compare = false;
  budget->add_flag("--no-compare", no_compare,
                   "--input: run only the --compression configuration, in this process, instead "
                   "of one child process with compression on and one with it off");
  add_output_options(*budget, json, csv, chart);

  CLI::App* swap = app.add_subcommand(
      "swap", "Run the workload under every allocator, each in a clean process, side by side.");
  swap->footer(kExitCodes);
  add_run_options(*swap, run);
  std::vector<std::string> only;
  std::vector<std::string> known;
  for (const auto& c : tools::swap_candidates()) known.push_back(c.name);
  swap->add_option("--allocators,-a", only, "Comma-separated subset (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember(known));
  add_output_options(*swap, json, csv, chart);

  CLI::App* heaptrack = app.add_subcommand(
      "heaptrack",
      "Run the budget under heaptrack and print its peak and allocation count beside the "
      "instrumented figures, with the difference.");
  add_run_options(*heaptrack, run);
  heaptrack->add_option("--resource,-r", resource, "The store's memory resource, as for budget")
      ->check(CLI::IsMember(budget_resources()))
      ->capture_default_str();
  heaptrack->add_flag("--json", json, "Print one JSON document instead of the table");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the error
    return code == 0 ? tools::kExitFits : tools::kExitUsage;
  }
  RunConfig cfg = config_of(run, resource);
  if (hard_cap_mb) cfg.hard_cap_bytes = bytes_of(*hard_cap_mb);
  const tools::CommandOptions options{.output = json  ? tools::Output::kJson
                                                : csv ? tools::Output::kCsv
                                                      : tools::Output::kTable,
                                      .chart = chart,
                                      .progress = run.progress};

  try {
    if (*budget) {
      if (!cfg.input.empty() && !no_compare) {
        return tools::input_budget_command(cfg, bytes_of(limit_mb), verdict_on, options);
      }
      return tools::budget_command(cfg, bytes_of(limit_mb), verdict_on, options, argv);
    }
    if (*swap) return tools::swap_command(cfg, only, options);
    return tools::heaptrack_command(cfg, options);
  } catch (const std::bad_alloc& e) {
    std::cerr << "orchestrix-mem: out of memory outside the measured run: " << e.what() << '\n';
    return tools::kExitOutOfMemory;
  } catch (const orchestrix::cloudevents::FormatError& e) {
    std::cerr << "orchestrix-mem: --input " << cfg.input << ": " << e.what()
              << " (nothing was appended)\n";
    return tools::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "orchestrix-mem: " << e.what() << '\n';
    return tools::kExitUsage;
  }
}

}  // namespace

// What escapes run_cli() is reported with its own exit code: 3 when memory ran out (setting up
// the options, say), 2 for every other error.
int main(int argc, char** argv) {
  try {
    return run_cli(argc, argv);
  } catch (const std::bad_alloc& e) {
    std::fprintf(stderr, "orchestrix-mem: out of memory: %s\n", e.what());
    return tools::kExitOutOfMemory;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "orchestrix-mem: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "orchestrix-mem: unknown error\n");
  }
  return tools::kExitUsage;
}
