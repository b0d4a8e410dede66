#include "swap.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>

namespace orchestrix::tools {
namespace {

std::string find_shared_object(const char* file) {
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
                          "/usr/lib", "/usr/local/lib"}) {
    std::filesystem::path p = std::filesystem::path(dir) / file;
    if (std::filesystem::exists(p)) return p.string();
  }
  return {};
}

}  // namespace

std::vector<SwapCandidate> swap_candidates() {
  std::vector<SwapCandidate> c;
  c.push_back({"glibc", "system", "", true});
  for (auto [name, file] :
       {std::pair{"mimalloc", "libmimalloc.so.2"}, std::pair{"jemalloc", "libjemalloc.so.2"},
        std::pair{"tcmalloc", "libtcmalloc_minimal.so.4"}}) {
    std::string so = find_shared_object(file);
    c.push_back({name, "system", so.empty() ? std::string(file) : so, !so.empty()});
  }
  c.push_back({"arena", "arena", "", true});
  c.push_back({"pool", "pool", "", true});
  return c;
}

std::vector<SwapOutcome> run_swap(const std::string& self_exe, const RunConfig& config,
                                  const std::vector<SwapCandidate>& candidates) {
  std::vector<SwapOutcome> out;
  for (const SwapCandidate& cand : candidates) {
    SwapOutcome o;
    o.candidate = cand;
    if (!cand.available) {
      o.error = fmt::format("{} is not installed", cand.preload);
      out.push_back(std::move(o));
      continue;
    }
    // Every argument is a number or a name validated by the caller; nothing needs quoting
    // beyond the paths, which come from this machine's file system.
    std::string cmd = fmt::format(
        "{}'{}' budget --json --events {} --workload {} --resource {} --segment-kib {} "
        "--seed {} --limit-mb 1e12",
        cand.preload.empty() ? std::string{} : fmt::format("LD_PRELOAD='{}' ", cand.preload),
        self_exe, config.events, config.workload, cand.resource, config.segment_bytes / 1024,
        config.seed);
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
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) > 1) {
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
