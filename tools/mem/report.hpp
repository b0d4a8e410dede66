// Verdicts and the human-readable / JSON forms of budget and swap runs.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
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
// larger of the two). A run that hit its hard cap never fits.
Verdict judge(const RunResult& r, std::uint64_t limit_bytes, const std::string& verdict_on);

void print_budget_report(std::ostream& os, const RunResult& r, std::uint64_t limit_bytes,
                         const Verdict& v);
void print_swap_table(std::ostream& os, const RunConfig& cfg,
                      const std::vector<SwapOutcome>& outcomes);
nlohmann::json swap_to_json(const std::vector<SwapOutcome>& outcomes);

}  // namespace orchestrix::tools
