#include "swap.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "preload.hpp"
#include "run_json.hpp"

namespace orchestrix::tools {
std::string budget_arguments(const RunConfig& c) {
  std::string args = fmt::format(
      "--workload {} --segment-kib {} --seed {} --snapshot-every {} --retention {} "
      "--auto-compact {} --compact-every {}",
      c.workload, c.segment_bytes / 1024, c.seed, c.snapshot_every, retention_text(c.retention),
      c.auto_compact_ratio, c.compact_every);
  if (c.workload == "churn") {
    args +=
        fmt::format(" --churn-streams {} --churn-batch {}", c.churn_streams, c.churn_batch_events);
  }
  return args;
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
        "{}'{}' budget --json --resource {} --events {} {} --limit-mb 1e12 --progress {}",
        cand.preload.empty() ? std::string{} : fmt::format("LD_PRELOAD='{}' ", cand.preload),
        self_exe, cand.resource, config.events, budget_arguments(config), progress);
    std::FILE* pipe = ::popen(cmd.c_str(), "r");
    if (pipe == nullptr) {
      o.error = "could not start the child process";
      out.push_back(std::move(o));
      continue;
    }
    std::string text;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) text.append(buf.data(), n);
    const int status = ::pclose(pipe);
    // budget exits 0 (fits), 1 (does not fit) or 3 (out of memory, partial report).
    const bool reported =
        status != -1 && WIFEXITED(status) && (WEXITSTATUS(status) <= 1 || WEXITSTATUS(status) == 3);
    if (!reported) {
      o.error = fmt::format("child failed (status {}): {}", status, text.substr(0, 200));
    } else {
      try {
        o.result = result_from_json(nlohmann::json::parse(text));
        o.ok = true;
      } catch (const std::exception& e) {
        o.error = fmt::format("unreadable child output: {}", e.what());
      }
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace orchestrix::tools
