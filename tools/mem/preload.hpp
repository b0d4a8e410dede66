// The malloc replacements orchestrix-mem runs under by LD_PRELOAD: where their shared objects
// are, and re-executing this same program under one of them (budget -r jemalloc does that, as
// swap does for each of its children).
#pragma once

#include <string>

namespace orchestrix::tools {

// The installed shared object of "mimalloc", "jemalloc" or "tcmalloc" (Debian's libmimalloc2,
// libjemalloc2, libtcmalloc-minimal4 paths), or "" when it is not installed.
std::string preload_library(const std::string& malloc_name);
// The file name looked for, for messages ("libjemalloc.so.2").
std::string preload_file(const std::string& malloc_name);

// Replaces this process by /proc/self/exe with the same arguments and LD_PRELOAD set to
// `library`. Marks the environment so that the new process does not try again. Returns only on
// failure, with the reason: the library is already preloaded and still does not serve malloc
// (a sanitizer build refuses other mallocs, for one), or execv failed.
std::string reexec_with_preload(const std::string& library, char** argv);

}  // namespace orchestrix::tools
