// orchestrix-mem — memory budget verification and allocator swap experiments.
//
//   orchestrix-mem budget [--events N] [--limit-mb M] [--resource R] [--verdict-on W] [--json]
//       Loads N events of a reference workload into an EventStore, reads them back, prints where
//       every byte went and a verdict against the limit. Exit 0: fits; 1: does not fit (or the
//       hard cap was hit); 2: bad arguments or a failed run.
//   orchestrix-mem swap [--events N] [--allocators a,b,...] [--json]
//       The same run under glibc, mimalloc, jemalloc, tcmalloc (LD_PRELOAD), the bump arena and
//       the slab pool, each in a clean child process, side by side.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <variant>

#include "orchestrix/alloc/registry.hpp"
#include "quantity.hpp"
#include "report.hpp"
#include "run.hpp"
#include "swap.hpp"

namespace {

using orchestrix::tools::RunConfig;

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

std::uint64_t count_of(const std::string& text) {
  return std::get<std::uint64_t>(orchestrix::tools::parse_count(text, 1, kMaxEvents));
}

std::uint64_t bytes_of(const std::string& text) {
  return std::get<std::uint64_t>(orchestrix::tools::parse_size_mb(text, 1, kMaxBytes));
}

void add_run_options(CLI::App& cmd, std::string& events, RunConfig& cfg, std::size_t& segment_kib) {
  cmd.add_option("--events,-n", events, "Number of events to load: 1000000, 1e6 or 1M")
      ->check(quantity_check(
          "COUNT",
          [](const std::string& t) { return orchestrix::tools::parse_count(t, 1, kMaxEvents); }))
      ->capture_default_str();
  cmd.add_option("--workload,-w", cfg.workload, "Reference workload (docs/memory.md)")
      ->check(CLI::IsMember({"seed", "mixed"}))
      ->capture_default_str();
  cmd.add_option("--segment-kib", segment_kib, "Store segment size in KiB")
      ->check(CLI::Range(64, 16 * 1024))
      ->capture_default_str();
  cmd.add_option("--seed", cfg.seed, "Workload random seed")->capture_default_str();
}

int run_budget(const RunConfig& cfg, std::uint64_t limit, const std::string& verdict_on,
               bool json) {
  const orchestrix::tools::RunResult r = orchestrix::tools::run_workload(cfg);
  const orchestrix::tools::Verdict v = orchestrix::tools::judge(r, limit, verdict_on);
  if (json) {
    nlohmann::json j = orchestrix::tools::to_json(r);
    j["limit_bytes"] = limit;
    j["verdict"] = v.fits ? "fits" : "does not fit";
    j["verdict_bytes"] = v.measured_bytes;
    j["verdict_on"] = v.measure;
    std::cout << j.dump(2) << '\n';
  } else {
    orchestrix::tools::print_budget_report(std::cout, r, limit, v);
  }
  return v.fits ? 0 : 1;
}

// Sets up the options, parses argv and runs the sub-command.
int run_cli(int argc, char** argv) {
  CLI::App app{"orchestrix-mem: memory budget runs and allocator swap experiments"};
  app.require_subcommand(1);

  RunConfig cfg;
  std::size_t segment_kib = cfg.segment_bytes / 1024;
  std::string events = std::to_string(cfg.events);
  std::string limit_mb = "64";
  std::string verdict_on = "both";
  bool json = false;
  std::optional<std::string> hard_cap_mb;
  const auto size_check = quantity_check("SIZE", [](const std::string& t) {
    return orchestrix::tools::parse_size_mb(t, 1, kMaxBytes);
  });

  CLI::App* budget = app.add_subcommand(
      "budget", "Will N events fit in M megabytes? Prints the breakdown and a verdict.");
  add_run_options(*budget, events, cfg, segment_kib);
  std::vector<std::string> resource_names;
  for (std::string_view n : orchestrix::alloc::resource_names()) resource_names.emplace_back(n);
  budget->add_option("--resource,-r", cfg.resource, "The store's memory resource")
      ->check(CLI::IsMember(resource_names))
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
  budget->add_flag("--json", json, "Print one JSON object instead of the table");

  CLI::App* swap = app.add_subcommand(
      "swap", "Run the workload under every allocator, each in a clean process, side by side.");
  add_run_options(*swap, events, cfg, segment_kib);
  std::vector<std::string> only;
  std::set<std::string> known;
  for (const auto& c : orchestrix::tools::swap_candidates()) known.insert(c.name);
  swap->add_option("--allocators,-a", only, "Comma-separated subset (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember(known));
  swap->add_flag("--json", json, "Print a JSON array instead of the table");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the error
    return code == 0 ? 0 : 2;
  }
  cfg.segment_bytes = segment_kib * 1024;
  cfg.events = count_of(events);
  if (hard_cap_mb) cfg.hard_cap_bytes = bytes_of(*hard_cap_mb);

  try {
    if (*budget) return run_budget(cfg, bytes_of(limit_mb), verdict_on, json);

    std::vector<orchestrix::tools::SwapCandidate> cands = orchestrix::tools::swap_candidates();
    if (!only.empty()) {
      std::erase_if(cands, [&](const auto& c) {
        return std::find(only.begin(), only.end(), c.name) == only.end();
      });
    }
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    const auto outcomes = orchestrix::tools::run_swap(self, cfg, cands);
    if (json) {
      std::cout << orchestrix::tools::swap_to_json(outcomes).dump(2) << '\n';
    } else {
      orchestrix::tools::print_swap_table(std::cout, cfg, outcomes);
    }
    return std::all_of(outcomes.begin(), outcomes.end(),
                       [](const auto& o) { return o.ok || !o.candidate.available; })
               ? 0
               : 2;
  } catch (const std::exception& e) {
    std::cerr << "orchestrix-mem: " << e.what() << '\n';
    return 2;
  }
}

}  // namespace

// What escapes run_cli() (an allocation failure while the options are set up, say) is reported
// as a failed run, exit code 2, like every other error.
int main(int argc, char** argv) {
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "orchestrix-mem: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "orchestrix-mem: unknown error\n");
  }
  return 2;
}
