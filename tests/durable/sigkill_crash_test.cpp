// A real crash: a forked child appends frames with kOnCommit from several threads and reports
// each acknowledged frame (thread, sequence, offset) through a pipe; the parent SIGKILLs it at a
// random moment, then reopens the log and checks that every acknowledged frame is there, intact,
// in order, and that no damaged or partial frame is visible. ORCHESTRIX_CRASH_TRIALS sets the
// number of trials (default 4; the `crash` ctest label runs 300).
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <orchestrix/detail/splitmix64.hpp>
#include <orchestrix/durable/log_writer.hpp>
#include <set>
#include <thread>

#include "durable_test_support.hpp"

using namespace orchestrix::durable;
using namespace orchestrix::durable::test;

namespace {

const orchestrix::Uuid kStore = orchestrix::Uuid::v4_from_bits(0x51, 0x9c);
constexpr std::uint32_t kThreads = 4;
constexpr std::uint32_t kMaxExtra = 3000;

struct Ack {
  std::uint32_t thread;
  std::uint32_t seq;
  std::uint64_t offset;
};

[[noreturn]] void child(const std::string& path, int ack_fd) {
  try {
    auto w = LogWriter::create(posix_file_system(), path, kStore);
    std::mutex pipe_mutex;
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (std::uint32_t seq = 0; seq < 1000000; ++seq) {
          const Bytes p = make_payload(t, seq, kMaxExtra);
          const Ack ack{t, seq, w->append(1, p)};
          const std::scoped_lock lock(pipe_mutex);
          if (write(ack_fd, &ack, sizeof ack) != static_cast<ssize_t>(sizeof ack)) _exit(4);
        }
      });
    }
    for (std::thread& t : threads) t.join();
    _exit(0);
  } catch (...) {
    _exit(3);
  }
}

int trials() {
  const char* text = std::getenv("ORCHESTRIX_CRASH_TRIALS");
  return text != nullptr ? std::atoi(text) : 4;
}

}  // namespace

TEST_CASE("crash: SIGKILL at a random moment keeps every acknowledged frame, intact and in order") {
  const int n = trials();
  REQUIRE(n > 0);
  std::uint64_t rng = 0x5eed;
  for (int trial = 0; trial < n; ++trial) {
    CAPTURE(trial);
    TempDir dir;
    const std::string path = dir.file("log");
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      child(path, fds[1]);
    }
    close(fds[1]);
    // Kill after a random number of acknowledgements (0: as soon as the first one arrives).
    const std::uint64_t kill_after = orchestrix::detail::splitmix64(rng) % 400;
    std::vector<Ack> acks;
    Ack ack{};
    bool killed = false;
    for (;;) {
      const ssize_t got = read(fds[0], &ack, sizeof ack);
      if (got == 0) break;  // the child is gone and the pipe drained
      REQUIRE(got == static_cast<ssize_t>(sizeof ack));
      acks.push_back(ack);
      if (!killed && acks.size() > kill_after) {
        kill(pid, SIGKILL);
        killed = true;
      }
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    std::vector<StoredFrame> frames;
    ScanSummary summary;
    {
      auto w = LogWriter::open(
          posix_file_system(), path, kStore, {}, {},
          [&](const FrameView& f) {
            frames.push_back({f.offset, f.type, Bytes(f.payload.begin(), f.payload.end())});
          },
          &summary);
      w->close();
    }
    std::map<std::uint64_t, const StoredFrame*> by_offset;
    std::map<std::uint32_t, std::uint32_t> next_seq;
    for (const StoredFrame& f : frames) {
      REQUIRE(payload_is_intact(f.payload, kMaxExtra));
      CHECK(payload_seq(f.payload) == next_seq[payload_tag(f.payload)]++);
      by_offset[f.offset] = &f;
    }
    for (const Ack& a : acks) {
      const auto it = by_offset.find(a.offset);
      REQUIRE(it != by_offset.end());
      CHECK(payload_tag(it->second->payload) == a.thread);
      CHECK(payload_seq(it->second->payload) == a.seq);
    }
    CHECK(posix_file_system().file_size(path) == summary.valid_end);
  }
}
