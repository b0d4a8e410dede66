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

// budget's options that reproduce `config` in another process, --events and --resource left
// out. Every value is a number or a validated name: nothing needs quoting in a shell command.
std::string budget_arguments(const RunConfig& config);

// Runs `budget --json` in a child process for each candidate (self_exe = path of this binary),
// with the workload and lifecycle options of `config`; each child draws its own progress bar
// on the shared stderr as `progress` (budget's --progress) says.
std::vector<SwapOutcome> run_swap(const std::string& self_exe, const RunConfig& config,
                                  const std::vector<SwapCandidate>& candidates,
                                  const std::string& progress);

}  // namespace orchestrix::tools
