// The three sub-commands of orchestrix-mem after their options were parsed, each returning the
// process exit code (kExit* below; --help lists them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "run.hpp"

namespace orchestrix::tools {

inline constexpr int kExitFits = 0;
inline constexpr int kExitDoesNotFit = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitOutOfMemory = 3;

enum class Output : std::uint8_t { kTable, kJson, kCsv };

struct CommandOptions {
  Output output = Output::kTable;
  std::string chart;              // --chart FILE, empty for none
  std::string progress = "auto";  // auto (when stderr is a terminal), always, never
};

// budget: one run in this process (re-executed under LD_PRELOAD first for a malloc
// replacement). argv is needed for that re-execution.
int budget_command(const RunConfig& config, std::uint64_t limit_bytes,
                   const std::string& verdict_on, const CommandOptions& options, char** argv);

// budget --input without --no-compare: the file checked in this process (a bad line ends the
// command with kExitUsage before any run), then the run with compression on and the run with it
// off, each in a child process (budget --no-compare --json), side by side; the configuration
// config.compression names (nullopt: the store's default) is judged against `limit_bytes`.
int input_budget_command(const RunConfig& config, std::uint64_t limit_bytes,
                         const std::string& verdict_on, const CommandOptions& options);

// swap: `allocators` (empty: all) each in a child process.
int swap_command(const RunConfig& config, const std::vector<std::string>& allocators,
                 const CommandOptions& options);

// heaptrack: the budget run and a 1-event baseline under heaptrack.
int heaptrack_command(const RunConfig& config, const CommandOptions& options);

}  // namespace orchestrix::tools
