// DirectoryLock: one owner per directory, in this process and across processes (fork), released
// by its destructor and by the death of its holder.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <orchestrix/durable/directory_lock.hpp>
#include <orchestrix/durable/fault_file_system.hpp>
#include <orchestrix/errors.hpp>
#include <orchestrix_test/run_in_child.hpp>
#include <string>

#include "durable_test_support.hpp"

using namespace orchestrix::durable;
using orchestrix::IoError;

namespace {

// In a child process: 0 when taking the lock fails with "in use", 1 when it succeeds, 2 otherwise.
int lock_in_child(const std::string& dir) {
  const auto outcome = orchestrix::test::run_in_child([&] {
    try {
      const DirectoryLock lock(posix_file_system(), dir);
      _exit(1);
    } catch (const IoError& e) {
      const bool in_use = e.error_number() == EWOULDBLOCK &&
                          std::string(e.what()).find("in use") != std::string::npos;
      _exit(in_use ? 0 : 2);
    }
  });
  return outcome.exit_code;
}

}  // namespace

TEST_CASE("directory lock: a second owner, in another process or this one, is refused") {
  test::TempDir dir;
  const std::string data = dir.file("data");
  {
    const DirectoryLock lock(posix_file_system(), data);
    CHECK(posix_file_system().exists(join_path(data, "LOCK")));
    CHECK(lock_in_child(data) == 0);
    try {
      const DirectoryLock second(posix_file_system(), data);
      FAIL("no IoError");
    } catch (const IoError& e) {
      CHECK(e.error_number() == EWOULDBLOCK);
      CHECK(e.path() == data);
      CHECK(std::string(e.what()).find("in use") != std::string::npos);
    }
  }
  CHECK(lock_in_child(data) == 1);
  const DirectoryLock again(posix_file_system(), data);
  CHECK(again.directory() == data);
}

TEST_CASE("directory lock: the death of its holder (SIGKILL) releases it") {
  test::TempDir dir;
  const std::string data = dir.file("data");
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    try {
      const DirectoryLock lock(posix_file_system(), data);
      const char byte = 1;
      if (write(ready[1], &byte, 1) != 1) _exit(3);
      for (;;) pause();
    } catch (...) {
      _exit(2);
    }
  }
  close(ready[1]);
  char byte = 0;
  REQUIRE(read(ready[0], &byte, 1) == 1);
  close(ready[0]);
  CHECK_THROWS_AS(DirectoryLock(posix_file_system(), data), IoError);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  CHECK_NOTHROW(DirectoryLock(posix_file_system(), data));
}

TEST_CASE("directory lock: the fault-injecting file system models the same rule") {
  FaultFileSystem fs;
  {
    const DirectoryLock lock(fs, "d");
    CHECK_THROWS_AS(DirectoryLock(fs, "d"), IoError);
  }
  CHECK_NOTHROW(DirectoryLock(fs, "d"));
}
