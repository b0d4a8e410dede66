// Charts of budget and swap runs, drawn by gnuplot (Debian package gnuplot-nox): the data and a
// gnuplot script go to a fresh temporary directory, `gnuplot` runs on them and writes the
// chart, and the directory is removed.
//
//   budget: bytes by store category (bars), and held, live and RSS growth over the run (lines)
//   swap:   bytes per event (store and peak RSS), peak RSS and held from the OS, and append
//           throughput, per allocator (bars)
//
// The format follows the file name: .svg (gnuplot's svg terminal) or .png (pngcairo).
// Errors: every function returns "" on success or a message a user can act on (gnuplot missing,
// an unknown extension, gnuplot's own failure).
#pragma once

#include <string>
#include <vector>

#include "run.hpp"
#include "swap.hpp"

namespace orchestrix::tools {

// "" when `path` ends in .svg or .png and gnuplot is on PATH; else why a chart cannot be drawn.
std::string chart_precondition(const std::string& path);

std::string draw_budget_chart(const std::string& path, const RunResult& r);
std::string draw_swap_chart(const std::string& path, const std::vector<SwapOutcome>& outcomes);

}  // namespace orchestrix::tools
