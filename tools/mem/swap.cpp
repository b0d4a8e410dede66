#include "swap.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "preload.hpp"
#include "run_json.hpp"

namespace orchestrix::tools {
std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (const char ch : text) {
    if (ch == '\'') {
      out += "'\\''";
    } else {
      out += ch;
    }
  }
  return out + "'";
}

std::string budget_arguments(const RunConfig& c) {
  std::string args = c.input.empty()
                         ? fmt::format("--workload {}", c.workload)
                         : fmt::format("--input {} --stream-by {} --input-batch {}",
                                       shell_quoted(c.input), c.stream_by, c.input_batch_events);
  args += fmt::format(
      " --segment-kib {} --seed {} --snapshot-every {} --retention {} --auto-compact {} "
      "--compact-every {}",
      c.segment_bytes / 1024, c.seed, c.snapshot_every, retention_text(c.retention),
      c.auto_compact_ratio, c.compact_every);
  if (c.compression) args += fmt::format(" --compression {}", *c.compression ? "on" : "off");
  if (c.workload == "churn") {
    args +=
        fmt::format(" --churn-streams {} --churn-batch {}", c.churn_streams, c.churn_batch_events);
  }
  return args;
}

ChildOutcome run_budget_child(const std::string& command) {
  ChildOutcome o;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    o.error = "could not start the child process";
    return o;
  }
  std::string text;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) text.append(buf.data(), n);
  const int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  // budget exits 0 (fits), 1 (does not fit) or 3 (out of memory, partial report).
  const bool reported = o.exit_code == 0 || o.exit_code == 1 || o.exit_code == 3;
  if (!reported) {
    o.error = fmt::format("child failed (status {}): {}", status, text.substr(0, 200));
    return o;
  }
  try {
    o.result = result_from_json(nlohmann::json::parse(text));
    o.ok = true;
  } catch (const std::exception& e) {
    o.error = fmt::format("unreadable child output: {}", e.what());
  }
  return o;
}

std::vector<SwapCandidate> swap_candidates() {
  std::vector<SwapCandidate> c;
  c.push_back({"glibc", "system", "", true});
  for (const char* name : {"mimalloc", "jemalloc", "tcmalloc"}) {
    const std::string so = preload_library(name);
    c.push_back({name, name, so.empty() ? preload_file(name) : so, !so.empty()});
  }
  c.push_back({"arena", "arena", "", true});
  c.push_back({"pool", "pool", "", true});
  return c;
}

std::vector<SwapOutcome> run_swap(const std::string& self_exe, const RunConfig& config,
                                  const std::vector<SwapCandidate>& candidates,
                                  const std::string& progress) {
  std::vector<SwapOutcome> out;
  for (const SwapCandidate& cand : candidates) {
    SwapOutcome o;
    o.candidate = cand;
    if (!cand.available) {
      o.error = fmt::format("{} is not installed", cand.preload);
      out.push_back(std::move(o));
      continue;
    }
    const std::string cmd = fmt::format(
        "{}{} budget --json --no-compare --resource {} --events {} {} --limit-mb 1e12 "
        "--progress {}",
        cand.preload.empty() ? std::string{} : fmt::format("LD_PRELOAD='{}' ", cand.preload),
        shell_quoted(self_exe), cand.resource, config.events, budget_arguments(config), progress);
    ChildOutcome child = run_budget_child(cmd);
    o.ok = child.ok;
    o.error = std::move(child.error);
    o.result = std::move(child.result);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace orchestrix::tools
