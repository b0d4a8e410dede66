#include "preload.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace orchestrix::tools {
namespace {

constexpr const char* kReexecMarker = "ORCHESTRIX_MEM_PRELOADED";

}  // namespace

std::string preload_file(const std::string& malloc_name) {
  if (malloc_name == "mimalloc") return "libmimalloc.so.2";
  if (malloc_name == "jemalloc") return "libjemalloc.so.2";
  if (malloc_name == "tcmalloc") return "libtcmalloc_minimal.so.4";
  return {};
}

std::string preload_library(const std::string& malloc_name) {
  const std::string file = preload_file(malloc_name);
  if (file.empty()) return {};
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
                          "/usr/lib", "/usr/local/lib"}) {
    const std::filesystem::path p = std::filesystem::path(dir) / file;
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) return p.string();
  }
  return {};
}

std::string reexec_with_preload(const std::string& library, char** argv) {
  if (const char* marker = std::getenv(kReexecMarker); marker != nullptr && *marker != '\0') {
    return "re-executed with LD_PRELOAD=" + library +
           " but it still does not serve malloc (a sanitizer build, or a static malloc?)";
  }
  // Ahead of what is preloaded already (a tracer, say), so that it serves malloc.
  const char* preloaded = std::getenv("LD_PRELOAD");
  const std::string value =
      preloaded != nullptr && *preloaded != '\0' ? library + ":" + preloaded : library;
  if (::setenv("LD_PRELOAD", value.c_str(), 1) != 0 || ::setenv(kReexecMarker, "1", 1) != 0) {
    return "could not set LD_PRELOAD";
  }
  ::execv("/proc/self/exe", argv);
  return std::string("execv /proc/self/exe failed: ") + std::strerror(errno);
}

}  // namespace orchestrix::tools
