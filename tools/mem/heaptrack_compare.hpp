// orchestrix-mem heaptrack: the budget run under heaptrack (an independent malloc tracer), its
// peak heap and allocation count beside the instrumented figures, and the difference.
//
// heaptrack sees every malloc of the process, the tool's own (runtime, generator buffers, the
// JSON) included, so the run is made twice, with the requested events and with one event, and
// the differences are compared: heaptrack (run - baseline) against instrumented (run -
// baseline). heaptrack_print rounds sizes to 3 significant digits (about 0.5%).
// heaptrack sees only the calls its preload intercepts. Under mimalloc (preloaded behind
// heaptrack's library) it sees malloc but not operator new, which mimalloc replaces directly (as in
// a binary linked with mimalloc: alloc/mimalloc_resource.hpp). The report says so for mimalloc, and
// whenever heaptrack saw less than half of what the store held, instead of passing off a
// difference.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "run.hpp"

namespace orchestrix::tools {

struct HeaptrackFigures {
  std::uint64_t peak_bytes = 0;   // "peak heap memory consumption"
  std::uint64_t allocations = 0;  // "calls to allocation functions"
};

struct HeaptrackComparison {
  HeaptrackFigures heaptrack_run, heaptrack_baseline;
  RunResult run, baseline;
  bool blind = false;      // heaptrack saw under half of the instrumented peak difference
  std::string blind_spot;  // what heaptrack cannot see in this process, "" when nothing known
};

// "peak heap memory consumption: 3.74M" -> 3740000 (heaptrack's decimal units B, K, M, G, T);
// nullopt when the text has no such line. Also reads "calls to allocation functions: N".
std::optional<HeaptrackFigures> parse_heaptrack_print(const std::string& text);

// Runs both budgets under heaptrack. Returns the comparison, or throws std::runtime_error with
// a message a user can act on (heaptrack missing, a run that failed).
HeaptrackComparison run_heaptrack(const std::string& self_exe, const RunConfig& config,
                                  const std::string& run_arguments);

void print_heaptrack(std::ostream& os, const HeaptrackComparison& c);
nlohmann::json heaptrack_to_json(const HeaptrackComparison& c);

}  // namespace orchestrix::tools
