#include "commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "chart.hpp"
#include "event_sample.hpp"
#include "heaptrack_compare.hpp"
#include "orchestrix/alloc/process_memory.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/store_options.hpp"
#include "preload.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "run_json.hpp"
#include "swap.hpp"

namespace orchestrix::tools {
namespace {

bool progress_wanted(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  return stderr_is_terminal();
}

std::string self_exe() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

// Fails early (before a long run) when the chart cannot be drawn.
bool chart_ok(const CommandOptions& o) {
  if (o.chart.empty()) return true;
  const std::string why = chart_precondition(o.chart);
  if (why.empty()) return true;
  std::cerr << "orchestrix-mem: " << why << '\n';
  return false;
}

bool chart_drawn(const std::string& error) {
  if (error.empty()) return true;
  std::cerr << "orchestrix-mem: " << error << '\n';
  return false;
}

// With --input: loads the file once here, so that a bad line ends the command (FormatError,
// exit 2) before any child process runs; the copy is dropped at once.
void check_input(const RunConfig& config) {
  if (config.input.empty()) return;
  const std::optional<StreamBy> by = parse_stream_by(config.stream_by);
  if (!by) throw InvalidArgument("unknown --stream-by '" + config.stream_by + "'");
  (void)EventSample::check(config.input, *by);
}

}  // namespace

int budget_command(const RunConfig& config, std::uint64_t limit_bytes,
                   const std::string& verdict_on, const CommandOptions& options, char** argv) {
  if (is_malloc_name(config.resource) && alloc::mapped_malloc() != config.resource) {
    const std::string library = preload_library(config.resource);
    if (library.empty()) {
      std::cerr << "orchestrix-mem: --resource " << config.resource << ": "
                << preload_file(config.resource)
                << " is not installed (tools/dev setup installs it)\n";
      return kExitUsage;
    }
    const std::string why = reexec_with_preload(library, argv);  // returns only on failure
    std::cerr << "orchestrix-mem: " << why << '\n';
    return kExitUsage;
  }
  if (!chart_ok(options)) return kExitUsage;
  Progress progress(stderr, config.events, progress_wanted(options.progress));
  const RunResult r = run_workload(config, &progress);
  const Verdict v = judge(r, limit_bytes, verdict_on);
  if (options.output == Output::kJson) {
    nlohmann::json j = to_json(r);
    j["limit_bytes"] = limit_bytes;
    j["verdict"] = r.out_of_memory ? "out of memory" : v.fits ? "fits" : "does not fit";
    j["verdict_bytes"] = v.measured_bytes;
    j["verdict_on"] = v.measure;
    std::cout << j.dump(2) << '\n';
  } else if (options.output == Output::kCsv) {
    print_budget_csv(std::cout, r);
  } else {
    print_budget_report(std::cout, r, limit_bytes, v);
  }
  std::cout.flush();
  if (!options.chart.empty() && !chart_drawn(draw_budget_chart(options.chart, r))) {
    return kExitUsage;
  }
  if (r.out_of_memory) return kExitOutOfMemory;
  return v.fits ? kExitFits : kExitDoesNotFit;
}

int input_budget_command(const RunConfig& config, std::uint64_t limit_bytes,
                         const std::string& verdict_on, const CommandOptions& options) {
  if (!chart_ok(options)) return kExitUsage;
  check_input(config);

  CompressionRuns runs;
  runs.chosen_on = config.compression.value_or(StoreOptions{}.compression.enabled);
  for (const bool enabled : {true, false}) {
    RunConfig c = config;
    c.compression = enabled;
    std::string command = fmt::format(
        "{} budget --json --no-compare --resource {} --events {} {} --limit-mb 1e12 "
        "--progress {}",
        shell_quoted(self_exe()), c.resource, c.events, budget_arguments(c),
        progress_wanted(options.progress) ? "always" : "never");
    if (c.hard_cap_bytes) command += fmt::format(" --hard-cap-mb {}B", *c.hard_cap_bytes);
    ChildOutcome child = run_budget_child(command);
    if (!child.ok) {
      std::cerr << "orchestrix-mem: the run with compression " << (enabled ? "on" : "off")
                << " failed: " << child.error << '\n';
      return kExitUsage;
    }
    (enabled ? runs.on : runs.off) = std::move(child.result);
  }

  const RunResult& r = runs.chosen();
  const Verdict v = judge(r, limit_bytes, verdict_on);
  if (options.output == Output::kJson) {
    nlohmann::json j = to_json(r);
    j["limit_bytes"] = limit_bytes;
    j["verdict"] = r.out_of_memory ? "out of memory" : v.fits ? "fits" : "does not fit";
    j["verdict_bytes"] = v.measured_bytes;
    j["verdict_on"] = v.measure;
    j["compression_runs"] = compression_runs_json(runs);
    std::cout << j.dump(2) << '\n';
  } else if (options.output == Output::kCsv) {
    print_budget_csv(std::cout, r);
    print_compression_csv(std::cout, runs);
  } else {
    print_budget_report(std::cout, r, limit_bytes, v);
    print_compression_table(std::cout, runs);
  }
  std::cout.flush();
  if (!options.chart.empty() && !chart_drawn(draw_budget_chart(options.chart, r))) {
    return kExitUsage;
  }
  if (runs.on.out_of_memory || runs.off.out_of_memory) return kExitOutOfMemory;
  return v.fits ? kExitFits : kExitDoesNotFit;
}

int swap_command(const RunConfig& config, const std::vector<std::string>& allocators,
                 const CommandOptions& options) {
  if (!chart_ok(options)) return kExitUsage;
  check_input(config);
  std::vector<SwapCandidate> candidates = swap_candidates();
  if (!allocators.empty()) {
    std::erase_if(candidates, [&](const SwapCandidate& c) {
      return std::find(allocators.begin(), allocators.end(), c.name) == allocators.end();
    });
  }
  const std::vector<SwapOutcome> outcomes =
      run_swap(self_exe(), config, candidates, options.progress);
  if (options.output == Output::kJson) {
    std::cout << swap_to_json(outcomes).dump(2) << '\n';
  } else if (options.output == Output::kCsv) {
    print_swap_csv(std::cout, outcomes);
  } else {
    print_swap_table(std::cout, config, outcomes);
  }
  std::cout.flush();
  if (!options.chart.empty() && !chart_drawn(draw_swap_chart(options.chart, outcomes))) {
    return kExitUsage;
  }
  const bool failed = std::any_of(outcomes.begin(), outcomes.end(), [](const SwapOutcome& o) {
    return !o.ok && o.candidate.available;
  });
  if (failed) return kExitUsage;
  const bool oom = std::any_of(outcomes.begin(), outcomes.end(),
                               [](const SwapOutcome& o) { return o.ok && o.result.out_of_memory; });
  return oom ? kExitOutOfMemory : kExitFits;
}

int heaptrack_command(const RunConfig& config, const CommandOptions& options) {
  check_input(config);
  const HeaptrackComparison c = run_heaptrack(self_exe(), config, budget_arguments(config));
  if (options.output == Output::kJson) {
    std::cout << heaptrack_to_json(c).dump(2) << '\n';
  } else {
    print_heaptrack(std::cout, c);
  }
  return kExitFits;
}

}  // namespace orchestrix::tools
