// memtests/support/proc_memory.hpp — whole-process memory figures from /proc/self, for the
// memory tests' secondary measurement (the primary one is an InstrumentedResource).
//
// VmHWM is the kernel's resident-set high-water mark. Writing "5" to /proc/self/clear_refs
// resets it to the current VmRSS (Linux >= 4.0), so "VmHWM after a phase - VmRSS before it" is
// the peak resident memory the phase added. Where clear_refs is not writable (some containers),
// PeakRssMeter falls back to a VmRSS delta and says so through method() / hwm_reset(): callers
// print that, they never pass silently on a weaker measurement.
//
// Nothing here allocates on the heap (a fixed stack buffer and raw open/read/write), so the
// probes may run inside a scope whose global operator new calls are being counted.
//
// Thread safety: the functions are safe from any thread; the figures are whole-process.
#pragma once

#include <cstdint>
#include <optional>

namespace orchestrix::memtest {

// Reads one "Name:   123 kB" line of /proc/self/status (e.g. field = "VmHWM") and returns it in
// bytes; nullopt when the file or the field is missing.
std::optional<std::uint64_t> read_status_bytes(const char* field) noexcept;

// Writes "5" to /proc/self/clear_refs (resets VmHWM to VmRSS). False when not writable.
bool reset_peak_rss() noexcept;

// Measures the peak resident memory a phase adds. Construct it right before the phase.
class PeakRssMeter {
 public:
  // Resets VmHWM (if possible) and records the baseline: VmRSS right after the reset.
  PeakRssMeter() noexcept;

  // True when VmHWM was reset, i.e. delta_bytes() is a real peak; false: VmRSS delta.
  bool hwm_reset() const noexcept { return hwm_reset_; }
  // Bytes resident at construction (VmRSS).
  std::uint64_t baseline_bytes() const noexcept { return baseline_; }
  // VmHWM now - baseline (or VmRSS now - baseline when the reset failed); 0 if below baseline.
  std::uint64_t delta_bytes() const noexcept;
  // A short text naming the method, for test output.
  const char* method() const noexcept;
  // True when this is the first PeakRssMeter of the process. A later phase may reuse heap pages
  // that earlier work freed but malloc kept resident, so its delta can understate the phase's
  // footprint: measure in a fresh process (ctest runs every TEST_CASE in its own).
  bool first_in_process() const noexcept { return first_in_process_; }

 private:
  bool hwm_reset_ = false;
  bool first_in_process_ = false;
  std::uint64_t baseline_ = 0;
};

}  // namespace orchestrix::memtest
