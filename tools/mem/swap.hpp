// The allocator swap experiment: the same workload (and lifecycle) under each allocator, each in
// a clean child process of this same executable (malloc replacements by LD_PRELOAD; arena and
// pool as the store's resource over glibc), compared side by side.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "run.hpp"

namespace orchestrix::tools {

struct SwapCandidate {
  std::string name;       // "glibc", "mimalloc", "jemalloc", "tcmalloc", "arena", "pool"
  std::string resource;   // budget's --resource in the child ("system", "mimalloc", "arena", ...)
  std::string preload;    // shared object to LD_PRELOAD, empty for none
  bool available = true;  // false when the preload library is not installed
};

// The known candidates, with `available` set from what is installed on this machine.
std::vector<SwapCandidate> swap_candidates();

struct SwapOutcome {
  SwapCandidate candidate;
  bool ok = false;
  std::string error;  // why the child failed, when !ok
  RunResult result;   // when ok; result.out_of_memory when the child ran out of memory
};

// One `budget --json` child process: its result when it reported one (exit 0, 1, or 3 with a
// partial report), else why not.
struct ChildOutcome {
  bool ok = false;
  int exit_code = -1;  // -1 when it did not exit normally
  std::string error;
  RunResult result;
};
// `command` is a shell command line (run by popen, stdout read, stderr passed through).
ChildOutcome run_budget_child(const std::string& command);

// Shell quoting: `text` in single quotes, each ' written as '\''.
std::string shell_quoted(const std::string& text);

// budget's options that reproduce `config` in another process, --events and --resource left
// out. Every value is a number or a validated name, except the --input path, which is quoted for
// a shell.
std::string budget_arguments(const RunConfig& config);

// Runs `budget --json` in a child process for each candidate (self_exe = path of this binary),
// with the workload and lifecycle options of `config`; each child draws its own progress bar
// on the shared stderr as `progress` (budget's --progress) says.
std::vector<SwapOutcome> run_swap(const std::string& self_exe, const RunConfig& config,
                                  const std::vector<SwapCandidate>& candidates,
                                  const std::string& progress);

}  // namespace orchestrix::tools
