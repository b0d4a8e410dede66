// Death tests without a framework: run a piece of code in a forked child and report how the
// child ended and what it wrote to stderr. Used to prove that ORCHESTRIX_DCHECK aborts with its
// message in builds where it is on.
//
// Call it while the test process has a single thread (fork copies only the calling thread).
// The child gets no core dump and the default SIGABRT action (not the test framework's crash
// handler, which would report the expected abort as a failure), writes stdout to /dev/null,
// runs `body`, and exits with status 0 if `body` returns.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace orchestrix::test {

struct ChildOutcome {
  bool aborted = false;  // ended by SIGABRT
  int exit_code = -1;    // when it exited normally
  std::string stderr_text;
};

template <typename Body>
ChildOutcome run_in_child(Body&& body) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid < 0) return {};
  if (pid == 0) {
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(SIGABRT, SIG_DFL);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    body();
    _exit(0);
  }
  close(fds[1]);
  ChildOutcome outcome;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) break;
    outcome.stderr_text.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  outcome.aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  return outcome;
}

}  // namespace orchestrix::test
