#include "heaptrack_compare.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "preload.hpp"
#include "run_json.hpp"
#include "units.hpp"

namespace orchestrix::tools {
namespace {

namespace fs = std::filesystem;

bool on_path(const char* tool) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((fs::path(dir) / tool).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Runs `cmd` through the shell; returns its exit status and stdout.
std::pair<int, std::string> capture(const std::string& cmd) {
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("could not start: " + cmd);
  std::string text;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) text.append(buf.data(), n);
  const int status = ::pclose(pipe);
  return {status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status), text};
}

// budget --json's object inside heaptrack's chatter: from the first line "{" to the first
// line "}" (dump(2) indents every nested brace).
std::string json_of(const std::string& out) {
  std::size_t begin = out.rfind("{\n", 0) == 0 ? 0 : out.find("\n{\n");
  if (begin == std::string::npos) return {};
  if (begin != 0) ++begin;
  const std::size_t end = out.find("\n}", begin);
  if (end == std::string::npos) return {};
  return out.substr(begin, end + 2 - begin);
}

std::pair<RunResult, HeaptrackFigures> one_run(const std::string& self_exe,
                                               const std::string& resource, const std::string& args,
                                               const fs::path& data) {
  // heaptrack puts its preload ahead of an LD_PRELOAD it finds: a malloc replacement is loaded
  // behind it, as a service would run.
  const std::string library = is_malloc_name(resource) ? preload_library(resource) : "";
  const std::string cmd = fmt::format(
      "{}heaptrack -o '{}' '{}' budget --json --no-compare --progress never --resource {} {} "
      "--limit-mb 1e12 "
      "2>'{}.err'",
      library.empty() ? std::string{} : fmt::format("LD_PRELOAD='{}' ", library), data.string(),
      self_exe, resource, args, data.string());
  const auto [status, out] = capture(cmd);
  const std::string json = json_of(out);
  if ((status != 0 && status != 1) || json.empty()) {
    throw std::runtime_error(fmt::format("the budget run under heaptrack failed (exit {}): {}",
                                         status, out.substr(0, 400)));
  }
  RunResult r = result_from_json(nlohmann::json::parse(json));
  fs::path file;
  for (const auto& entry : fs::directory_iterator(data.parent_path())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(data.filename().string() + ".", 0) == 0 &&
        name.find(".err") == std::string::npos) {
      file = entry.path();
    }
  }
  if (file.empty()) throw std::runtime_error("heaptrack wrote no data file: " + out.substr(0, 400));
  const auto [print_status, printed] =
      capture(fmt::format("heaptrack_print -f '{}'", file.string()));
  const std::optional<HeaptrackFigures> f = parse_heaptrack_print(printed);
  if (print_status != 0 || !f) {
    throw std::runtime_error("heaptrack_print gave no peak for " + file.string());
  }
  return {std::move(r), *f};
}

std::int64_t signed_delta(std::uint64_t a, std::uint64_t b) {
  return static_cast<std::int64_t>(a) - static_cast<std::int64_t>(b);
}

std::string percent(std::int64_t measured, std::int64_t reference) {
  if (reference == 0) return "-";
  return fmt::format("{:+.2f}%", 100.0 * static_cast<double>(measured - reference) /
                                     static_cast<double>(reference));
}

}  // namespace

std::optional<HeaptrackFigures> parse_heaptrack_print(const std::string& text) {
  // The number after `label` on its line, and the character right after it.
  const auto number_after = [&](std::string_view label, auto& value) -> std::optional<char> {
    const std::size_t at = text.find(label);
    if (at == std::string::npos) return std::nullopt;
    const char* first = text.data() + at + label.size();
    const char* last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(first, last, value);
    if (ec != std::errc{}) return std::nullopt;
    return end == last ? '\n' : *end;
  };
  HeaptrackFigures f;
  double peak = 0;
  const std::optional<char> unit = number_after("peak heap memory consumption: ", peak);
  if (!unit) return std::nullopt;
  const double factor = *unit == 'K'   ? 1e3
                        : *unit == 'M' ? 1e6
                        : *unit == 'G' ? 1e9
                        : *unit == 'T' ? 1e12
                                       : 1.0;
  f.peak_bytes = static_cast<std::uint64_t>(std::llround(peak * factor));
  std::uint64_t calls = 0;
  if (number_after("calls to allocation functions: ", calls)) f.allocations = calls;
  return f;
}

HeaptrackComparison run_heaptrack(const std::string& self_exe, const RunConfig& config,
                                  const std::string& run_arguments) {
  for (const char* tool : {"heaptrack", "heaptrack_print"}) {
    if (!on_path(tool)) {
      throw std::runtime_error(std::string(tool) +
                               " is not on PATH: install the Debian package heaptrack (tools/dev "
                               "setup does)");
    }
  }
  std::string pattern = (fs::temp_directory_path() / "orchestrix-mem-heaptrack.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("could not create a temporary directory");
  }
  const fs::path dir(pattern);
  HeaptrackComparison c;
  try {
    std::tie(c.run, c.heaptrack_run) =
        one_run(self_exe, config.resource,
                fmt::format("--events {} {}", config.events, run_arguments), dir / "run");
    std::tie(c.baseline, c.heaptrack_baseline) = one_run(
        self_exe, config.resource, fmt::format("--events 1 {}", run_arguments), dir / "baseline");
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    throw;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  const std::int64_t seen =
      signed_delta(c.heaptrack_run.peak_bytes, c.heaptrack_baseline.peak_bytes);
  const std::int64_t held =
      signed_delta(c.run.instrumented.peak_bytes_live, c.baseline.instrumented.peak_bytes_live);
  c.blind = held > 0 && seen * 2 < held;
  if (c.run.malloc_name == "mimalloc") {
    c.blind_spot =
        "mimalloc replaces operator new and delete as well as malloc; heaptrack intercepts "
        "malloc only, so every allocation made with new is invisible to it (the store's system "
        "resource calls malloc, so its bytes are seen).";
  }
  return c;
}

void print_heaptrack(std::ostream& os, const HeaptrackComparison& c) {
  const RunResult& r = c.run;
  fmt::print(os,
             "orchestrix-mem heaptrack: {} {} events, resource '{}' (malloc: {}), baseline run "
             "of 1 event\n\n",
             r.config.events, r.config.workload, r.config.resource, r.malloc_name);
  fmt::print(os, "{:<32} {:>14} {:>14} {:>11}\n", "figure", "heaptrack", "instrumented",
             "difference");
  const auto row = [&](const char* name, std::int64_t h, std::int64_t i, bool diff) {
    fmt::print(os, "{:<32} {:>14} {:>14} {:>11}\n", name, h, i, diff ? percent(h, i) : "");
  };
  row("peak bytes, run", static_cast<std::int64_t>(c.heaptrack_run.peak_bytes),
      static_cast<std::int64_t>(r.instrumented.peak_bytes_live), false);
  row("peak bytes, baseline", static_cast<std::int64_t>(c.heaptrack_baseline.peak_bytes),
      static_cast<std::int64_t>(c.baseline.instrumented.peak_bytes_live), false);
  row("peak bytes, run - baseline",
      signed_delta(c.heaptrack_run.peak_bytes, c.heaptrack_baseline.peak_bytes),
      signed_delta(r.instrumented.peak_bytes_live, c.baseline.instrumented.peak_bytes_live), true);
  row("allocations, run - baseline",
      signed_delta(c.heaptrack_run.allocations, c.heaptrack_baseline.allocations),
      signed_delta(r.instrumented.allocations, c.baseline.instrumented.allocations), true);
  fmt::print(os,
             "\nheaptrack counts every malloc of the process; the instrumented figures count the "
             "store's requests.\nThe baseline (1 event) holds what both runs share: runtime, "
             "generator buffers. heaptrack_print\nrounds sizes to 3 significant digits.\n");
  if (c.blind) {
    fmt::print(os,
               "\nheaptrack is BLIND here: it saw {:.2f} MB of the {:.2f} MB the store held at "
               "peak. The process's malloc\nis {}, which heaptrack's preload does not intercept; "
               "trust the instrumented figures.\n",
               mb(c.heaptrack_run.peak_bytes), mb(r.instrumented.peak_bytes_live), r.malloc_name);
  }
  if (!c.blind_spot.empty()) fmt::print(os, "\nheaptrack is partly blind here: {}\n", c.blind_spot);
}

nlohmann::json heaptrack_to_json(const HeaptrackComparison& c) {
  return {
      {"run", to_json(c.run)},
      {"baseline", to_json(c.baseline)},
      {"heaptrack_run",
       {{"peak_bytes", c.heaptrack_run.peak_bytes}, {"allocations", c.heaptrack_run.allocations}}},
      {"heaptrack_baseline",
       {{"peak_bytes", c.heaptrack_baseline.peak_bytes},
        {"allocations", c.heaptrack_baseline.allocations}}},
      {"blind", c.blind},
      {"blind_spot", c.blind_spot}};
}

}  // namespace orchestrix::tools
