#include "proc_status.hpp"

#include <cstdio>
#include <cstring>

namespace orchestrix::tools {

std::optional<ProcMemory> read_proc_memory() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return std::nullopt;
  ProcMemory m;
  bool rss = false;
  bool hwm = false;
  char line[256];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long long kib = 0;
    if (std::sscanf(line, "VmRSS: %llu kB", &kib) == 1) {
      m.rss_bytes = kib * 1024;
      rss = true;
    } else if (std::sscanf(line, "VmHWM: %llu kB", &kib) == 1) {
      m.hwm_bytes = kib * 1024;
      hwm = true;
    }
  }
  std::fclose(f);
  if (!rss || !hwm) return std::nullopt;
  return m;
}

bool reset_peak_rss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

}  // namespace orchestrix::tools
