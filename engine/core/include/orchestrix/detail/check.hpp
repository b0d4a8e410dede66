// orchestrix/detail/check.hpp — INTERNAL: debug checks of invariants and preconditions.
//
// Installed with the public headers because the libraries include it, but not part of the API:
// applications should not use these macros and may not rely on them staying.
//
//   ORCHESTRIX_DCHECK(cond)            aborts when `cond` is false
//   ORCHESTRIX_DCHECK_MSG(cond, msg)   the same, with a message (a const char*)
//
// On when the translation unit is compiled with ORCHESTRIX_DCHECKS=1: the CMake option
// ORCHESTRIX_DCHECKS does that for every target of this build (default ON for Debug and for
// sanitizer builds, OFF otherwise; the debug, asan and tsan presets set it explicitly). The
// definition is PRIVATE to the project's own targets, so it never reaches an application
// through the exported CMake targets; nothing in a class layout depends on it.
//
// Failure: prints "file:line: ORCHESTRIX_DCHECK failed: <cond> (<msg>)" to stderr and calls
// std::abort(). It never throws and never allocates.
// Off: the condition is not evaluated (only type-checked inside sizeof), so a check costs
// nothing in release builds and may call functions that are too slow for a hot path.
// Use it only in source files and private headers: an inline function of an installed header
// would be compiled differently by the library and by an application.
#pragma once

#include <cstdio>
#include <cstdlib>

#if defined(ORCHESTRIX_DCHECKS) && ORCHESTRIX_DCHECKS
#define ORCHESTRIX_DCHECK_IS_ON 1
#else
#define ORCHESTRIX_DCHECK_IS_ON 0
#endif

namespace orchestrix::detail {

// Reports a failed check and aborts. Called only by the macros below.
[[noreturn]] [[gnu::cold]] [[gnu::noinline]] inline void dcheck_failed(
    const char* file, int line, const char* condition, const char* message) noexcept {
  if (message != nullptr && message[0] != '\0') {
    std::fprintf(stderr, "%s:%d: ORCHESTRIX_DCHECK failed: %s (%s)\n", file, line, condition,
                 message);
  } else {
    std::fprintf(stderr, "%s:%d: ORCHESTRIX_DCHECK failed: %s\n", file, line, condition);
  }
  std::fflush(stderr);
  std::abort();
}

}  // namespace orchestrix::detail

#if ORCHESTRIX_DCHECK_IS_ON
#define ORCHESTRIX_DCHECK_MSG(cond, msg)          \
  (static_cast<bool>(cond) ? static_cast<void>(0) \
                           : ::orchestrix::detail::dcheck_failed(__FILE__, __LINE__, #cond, msg))
#else
#define ORCHESTRIX_DCHECK_MSG(cond, msg) static_cast<void>(sizeof(static_cast<bool>(cond)))
#endif

#define ORCHESTRIX_DCHECK(cond) ORCHESTRIX_DCHECK_MSG(cond, nullptr)
