// memtests/driver_fork.hpp — run a measurement in a forked child process (memtest_driver).
//
// Every run of the driver's tables starts from the same fresh process image, so VmHWM and the
// allocator's state carry nothing over from the previous run. The child sends its result back
// through a pipe as raw bytes, so T must be trivially copyable.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <type_traits>

namespace orchestrix::memtest {

// Runs `f()` (returning T) in a child process and stores its result in `out`. False when the
// child failed (crashed, threw, or could not be started).
template <class T, class F>
bool run_in_child(F&& f, T& out) {
  static_assert(std::is_trivially_copyable_v<T>);
  int fds[2];
  if (::pipe(fds) != 0) return false;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    ::close(fds[0]);
    bool ok = false;
    try {
      const T result = f();
      ok = ::write(fds[1], &result, sizeof result) == static_cast<ssize_t>(sizeof result);
    } catch (...) {
      ok = false;
    }
    ::_exit(ok ? 0 : 1);
  }
  ::close(fds[1]);
  std::size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(&out);
  while (got < sizeof out) {
    const ssize_t n = ::read(fds[0], bytes + got, sizeof out - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return got == sizeof out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace orchestrix::memtest
