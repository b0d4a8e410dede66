// The byte breakdown of a run, in every form orchestrix-mem prints: the budget report and
// verdict, the swap table and its "best" line, and CSV. The only printer of the store's
// breakdown in the repository (memtests assert, they do not print).
// Allocation: strings and streams on the default heap. Thread safety: none needed (pure
// functions of their arguments).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "run.hpp"
#include "swap.hpp"

namespace orchestrix::tools {

struct Verdict {
  bool fits = false;
  std::uint64_t measured_bytes = 0;  // the figure compared with the limit
  std::string measure;               // which figure that is
  std::string note;                  // e.g. why RSS could not be used
};

// verdict_on: "instrumented" (instrumented peak live bytes), "rss" (VmHWM growth), "both" (the
// larger of the two). A run that hit its hard cap or ran out of memory never fits.
Verdict judge(const RunResult& r, std::uint64_t limit_bytes, const std::string& verdict_on);

// Share of what the process holds from the OS for the store (held_from_os_bytes) that holds
// no store byte: (held - instrumented live) / held. nullopt without an RSS figure.
std::optional<double> fragmentation(const RunResult& r);

void print_budget_report(std::ostream& os, const RunResult& r, std::uint64_t limit_bytes,
                         const Verdict& v);
// CSV "figure,bytes,bytes_per_event": every store category, the totals, the process figures and
// the final compaction's.
void print_budget_csv(std::ostream& os, const RunResult& r);

// budget --input: the same events with compression on and off, each run in its own process;
// `chosen` (the --compression configuration) is the one judged.
struct CompressionRuns {
  RunResult on;
  RunResult off;
  bool chosen_on = false;
  const RunResult& chosen() const { return chosen_on ? on : off; }
};
// The table "raw JSON, raw data, held, held / raw, peak RSS growth" for both runs.
void print_compression_table(std::ostream& os, const CompressionRuns& runs);
// Rows figure,bytes,bytes_per_event of both runs (held_compression_on, ...).
void print_compression_csv(std::ostream& os, const CompressionRuns& runs);
// {"on": {...}, "off": {...}}: each run's raw, held and peak figures and their ratios.
nlohmann::json compression_runs_json(const CompressionRuns& runs);

// The allocators that did best on each figure: lowest peak RSS, lowest held from the OS, lowest
// RSS after the final compaction, fastest append; absent figures are left out.
struct SwapBest {
  std::string peak_rss;
  std::string held_from_os;
  std::string rss_after_compaction;
  std::string append_rate;
};
SwapBest best_of(const std::vector<SwapOutcome>& outcomes);

void print_swap_table(std::ostream& os, const RunConfig& cfg,
                      const std::vector<SwapOutcome>& outcomes);
// One row per allocator, the columns of the table (empty cells for figures not measured).
void print_swap_csv(std::ostream& os, const std::vector<SwapOutcome>& outcomes);
nlohmann::json swap_to_json(const std::vector<SwapOutcome>& outcomes);

}  // namespace orchestrix::tools
