// The allocator swap experiment: the same workload under each allocator, each in a clean child
// process of this same executable (malloc replacements by LD_PRELOAD; arena and pool as the
// store's resource over glibc), compared side by side.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "run.hpp"

namespace orchestrix::tools {

struct SwapCandidate {
  std::string name;       // "glibc", "mimalloc", "jemalloc", "tcmalloc", "arena", "pool"
  std::string resource;   // the store's resource in the child ("system", "arena", "pool")
  std::string preload;    // shared object to LD_PRELOAD, empty for none
  bool available = true;  // false when the preload library is not installed
};

// The known candidates, with `available` set from what is installed on this machine.
std::vector<SwapCandidate> swap_candidates();

struct SwapOutcome {
  SwapCandidate candidate;
  bool ok = false;
  std::string error;  // why the child failed, when !ok
  RunResult result;
};

// Runs `budget --json` in a child process for each candidate (self_exe = path of this binary).
std::vector<SwapOutcome> run_swap(const std::string& self_exe, const RunConfig& config,
                                  const std::vector<SwapCandidate>& candidates);

}  // namespace orchestrix::tools
