// orchestrix/alloc/process_memory.hpp — whole-process memory figures from /proc/self (Linux):
// the secondary measurement beside an InstrumentedResource (docs/memory.md relates the two).
//
// VmRSS is the resident set now; VmHWM its high-water mark. Writing "5" to /proc/self/clear_refs
// resets VmHWM to the current VmRSS (Linux >= 4.0), so "VmHWM after a phase - VmRSS before it"
// is the peak resident memory the phase added. Some containers refuse the write: every function
// here says so (a false, a flag) rather than passing off a weaker figure.
//
// Allocation: none. The files are read with open/read into a fixed stack buffer, so the probes
// may run inside a scope whose global operator new calls are counted.
// Errors: nothing throws; a missing file or field is a nullopt or a false.
// Thread safety: every function may be called from any thread; the figures are whole-process.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace orchestrix::alloc {

struct ProcessMemory {
  std::uint64_t rss_bytes = 0;  // VmRSS
  std::uint64_t hwm_bytes = 0;  // VmHWM: peak resident set since start or the last reset
};

// VmRSS and VmHWM from the text of a /proc/<pid>/status file ("VmRSS:    1234 kB" lines);
// nullopt unless both are present.
std::optional<ProcessMemory> parse_process_status(std::string_view status_text) noexcept;

// parse_process_status() of /proc/self/status; nullopt when unreadable.
std::optional<ProcessMemory> read_process_memory() noexcept;

// Resets VmHWM to the current VmRSS (writes "5" to /proc/self/clear_refs). False when the
// kernel refuses; VmHWM then still holds the peak since process start.
bool reset_peak_rss() noexcept;

// The replacement malloc named in lines of a /proc/<pid>/maps file: "mimalloc", "jemalloc" or
// "tcmalloc" when its shared library is mapped, else "glibc". Only whole lines are looked at.
std::string_view malloc_in_maps(std::string_view maps_text) noexcept;

// malloc_in_maps() of /proc/self/maps: which malloc really serves this process (a library
// brought in by LD_PRELOAD or by linking), not what the environment asked for. "glibc" when
// the file is unreadable.
std::string_view mapped_malloc() noexcept;

// Measures the peak resident memory a phase adds. Construct it right before the phase.
class PeakRssMeter {
 public:
  // Resets VmHWM (if the kernel lets it) and records the baseline: VmRSS right after the reset.
  PeakRssMeter() noexcept;

  // True when VmHWM was reset, i.e. delta_bytes() is a real peak; false: a VmRSS delta.
  bool hwm_reset() const noexcept { return hwm_reset_; }
  // Bytes resident at construction (VmRSS).
  std::uint64_t baseline_bytes() const noexcept { return baseline_; }
  // VmHWM now - baseline (VmRSS now - baseline when the reset failed); 0 if below baseline.
  std::uint64_t delta_bytes() const noexcept;
  // A short text naming the method, for test and report output.
  const char* method() const noexcept;
  // True when this is the first PeakRssMeter of the process. A later phase may reuse heap pages
  // that earlier work freed but malloc kept resident, so its delta can understate the phase's
  // footprint: measure in a fresh process.
  bool first_in_process() const noexcept { return first_in_process_; }

 private:
  bool hwm_reset_ = false;
  bool first_in_process_ = false;
  std::uint64_t baseline_ = 0;
};

}  // namespace orchestrix::alloc
