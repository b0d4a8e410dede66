// Whole-process memory figures from /proc/self (Linux): the secondary measurement beside the
// instrumented resource. See docs/memory.md for how the figures relate.
#pragma once

#include <cstdint>
#include <optional>

namespace orchestrix::tools {

struct ProcMemory {
  std::uint64_t rss_bytes = 0;  // VmRSS
  std::uint64_t hwm_bytes = 0;  // VmHWM: peak resident set since start or the last reset
};

// Reads VmRSS and VmHWM from /proc/self/status; nullopt when unavailable.
std::optional<ProcMemory> read_proc_memory();

// Resets VmHWM to the current RSS (writes "5" to /proc/self/clear_refs). false when the kernel
// refuses (then VmHWM still holds the peak since process start).
bool reset_peak_rss();

}  // namespace orchestrix::tools
