#include "proc_memory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace orchestrix::memtest {

std::optional<std::uint64_t> read_status_bytes(const char* field) noexcept {
  char buffer[8192];
  const int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::size_t size = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer + size, sizeof(buffer) - 1 - size);
    if (n <= 0) break;
    size += static_cast<std::size_t>(n);
    if (size == sizeof(buffer) - 1) break;
  }
  ::close(fd);
  buffer[size] = '\0';

  const std::size_t field_len = std::strlen(field);
  for (const char* line = buffer; *line != '\0';) {
    if (std::strncmp(line, field, field_len) == 0 && line[field_len] == ':') {
      const char* p = line + field_len + 1;
      while (*p == ' ' || *p == '\t') ++p;
      std::uint64_t kib = 0;
      bool digits = false;
      while (*p >= '0' && *p <= '9') {
        kib = kib * 10 + static_cast<std::uint64_t>(*p - '0');
        ++p;
        digits = true;
      }
      if (!digits) return std::nullopt;
      return kib * 1024;
    }
    const char* eol = std::strchr(line, '\n');
    if (eol == nullptr) break;
    line = eol + 1;
  }
  return std::nullopt;
}

bool reset_peak_rss() noexcept {
  const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

PeakRssMeter::PeakRssMeter() noexcept {
  static std::atomic<int> meters{0};
  first_in_process_ = meters.fetch_add(1, std::memory_order_relaxed) == 0;
  hwm_reset_ = reset_peak_rss();
  baseline_ = read_status_bytes("VmRSS").value_or(0);
}

std::uint64_t PeakRssMeter::delta_bytes() const noexcept {
  const std::uint64_t now = read_status_bytes(hwm_reset_ ? "VmHWM" : "VmRSS").value_or(0);
  return now > baseline_ ? now - baseline_ : 0;
}

const char* PeakRssMeter::method() const noexcept {
  return hwm_reset_ ? "VmHWM after reset (echo 5 > /proc/self/clear_refs) - baseline VmRSS"
                    : "VmRSS delta: /proc/self/clear_refs NOT writable, VmHWM could not be reset";
}

}  // namespace orchestrix::memtest
