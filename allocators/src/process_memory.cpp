#include "orchestrix/alloc/process_memory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstring>

namespace orchestrix::alloc {
namespace {

// Calls `line(view)` for every line of `text` (the last one may lack its newline).
template <class F>
void for_each_line(std::string_view text, F&& line) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    line(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// "Name:   1234 kB" -> 1234 * 1024 when `line` starts with `name` and a colon.
std::optional<std::uint64_t> kib_field(std::string_view line, std::string_view name) noexcept {
  if (line.size() <= name.size() || line.substr(0, name.size()) != name ||
      line[name.size()] != ':') {
    return std::nullopt;
  }
  std::size_t i = name.size() + 1;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  std::uint64_t kib = 0;
  const std::size_t first_digit = i;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') {
    kib = kib * 10 + static_cast<std::uint64_t>(line[i] - '0');
    ++i;
  }
  if (i == first_digit) return std::nullopt;
  return kib * 1024;
}

// Collects VmRSS and VmHWM from status lines.
struct StatusFields {
  std::optional<std::uint64_t> rss;
  std::optional<std::uint64_t> hwm;

  void operator()(std::string_view line) noexcept {
    if (!rss) rss = kib_field(line, "VmRSS");
    if (!hwm) hwm = kib_field(line, "VmHWM");
  }
  bool complete() const noexcept { return rss && hwm; }
  std::optional<ProcessMemory> result() const noexcept {
    if (!complete()) return std::nullopt;
    return ProcessMemory{.rss_bytes = *rss, .hwm_bytes = *hwm};
  }
};

constexpr std::string_view kReplacements[] = {"mimalloc", "jemalloc", "tcmalloc"};

// The replacement named in one maps line ("lib<name>" in its path), or "".
std::string_view malloc_in_line(std::string_view line) noexcept {
  for (const std::string_view name : kReplacements) {
    for (std::size_t at = line.find(name); at != std::string_view::npos;
         at = line.find(name, at + 1)) {
      if (at >= 3 && line.substr(at - 3, 3) == "lib") return name;
    }
  }
  return {};
}

// Reads `path` in chunks of whole lines and hands each chunk to `chunk`; stops early when it
// returns true. A line longer than the buffer is skipped; an unreadable file yields no chunk.
template <class F>
void scan_lines(const char* path, F&& chunk) noexcept {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buffer[8192];
  std::size_t kept = 0;
  bool skipping = false;  // inside a line that did not fit
  for (;;) {
    const ssize_t n = ::read(fd, buffer + kept, sizeof buffer - kept);
    if (n <= 0) break;
    std::string_view text(buffer, kept + static_cast<std::size_t>(n));
    if (skipping) {
      const std::size_t nl = text.find('\n');
      if (nl == std::string_view::npos) {
        kept = 0;
        continue;
      }
      text.remove_prefix(nl + 1);
      skipping = false;
    }
    const std::size_t whole = text.rfind('\n');
    if (whole != std::string_view::npos && chunk(text.substr(0, whole + 1))) break;
    const std::string_view rest = whole == std::string_view::npos ? text : text.substr(whole + 1);
    if (rest.size() == sizeof buffer) {
      skipping = true;
      kept = 0;
    } else {
      std::memmove(buffer, rest.data(), rest.size());
      kept = rest.size();
    }
  }
  ::close(fd);
}

}  // namespace

std::optional<ProcessMemory> parse_process_status(std::string_view status_text) noexcept {
  StatusFields fields;
  for_each_line(status_text, fields);
  return fields.result();
}

std::optional<ProcessMemory> read_process_memory() noexcept {
  StatusFields fields;
  scan_lines("/proc/self/status", [&](std::string_view lines) {
    for_each_line(lines, fields);
    return fields.complete();
  });
  return fields.result();
}

bool reset_peak_rss() noexcept {
  const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

std::string_view malloc_in_maps(std::string_view maps_text) noexcept {
  std::string_view found;
  for_each_line(maps_text, [&](std::string_view line) {
    if (found.empty()) found = malloc_in_line(line);
  });
  return found.empty() ? "glibc" : found;
}

std::string_view mapped_malloc() noexcept {
  std::string_view found;
  scan_lines("/proc/self/maps", [&](std::string_view lines) {
    const std::string_view name = malloc_in_maps(lines);
    if (name != "glibc") found = name;
    return !found.empty();
  });
  return found.empty() ? "glibc" : found;
}

namespace {
// True for the first PeakRssMeter made in the process.
bool first_meter() noexcept {
  static std::atomic<int> meters{0};
  return meters.fetch_add(1, std::memory_order_relaxed) == 0;
}
}  // namespace

PeakRssMeter::PeakRssMeter() noexcept
    : hwm_reset_(reset_peak_rss()), first_in_process_(first_meter()) {
  const std::optional<ProcessMemory> now = read_process_memory();
  baseline_ = now ? now->rss_bytes : 0;
}

std::uint64_t PeakRssMeter::delta_bytes() const noexcept {
  const std::optional<ProcessMemory> m = read_process_memory();
  if (!m) return 0;
  const std::uint64_t now = hwm_reset_ ? m->hwm_bytes : m->rss_bytes;
  return now > baseline_ ? now - baseline_ : 0;
}

const char* PeakRssMeter::method() const noexcept {
  return hwm_reset_ ? "VmHWM after reset (echo 5 > /proc/self/clear_refs) - baseline VmRSS"
                    : "VmRSS delta: /proc/self/clear_refs NOT writable, VmHWM could not be reset";
}

}  // namespace orchestrix::alloc
