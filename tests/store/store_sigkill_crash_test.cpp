// A real crash of a store with a directory: a forked child appends with kOnCommit from several
// threads to several streams and reports each acknowledged batch through a pipe; the parent
// SIGKILLs it at a random moment, reopens the directory and checks that every acknowledged batch
// is there, intact, in order, and that no partial batch is visible. In half of the trials one
// thread also saves snapshots with a retention policy and compacts while the others append.
// ORCHESTRIX_CRASH_TRIALS sets the number of trials (default 4; the `crash` ctest label runs 200).
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "orchestrix/detail/splitmix64.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using namespace orchestrix::test;

namespace {

constexpr std::uint32_t kThreads = 4;
constexpr std::uint32_t kStreamsPerThread = 2;

struct Ack {
  std::uint32_t thread;
  std::uint32_t seq;
};

std::size_t batch_size(std::uint32_t seq) { return 1 + seq % 5; }

// "<a><x>.<y>" built with appends (g++ 12 reports false warnings on nested concatenations).
std::string join(const char* a, std::uint64_t x, std::uint64_t y) {
  std::string s(a);
  s += std::to_string(x);
  s += '.';
  s += std::to_string(y);
  return s;
}

std::string stream_name(std::uint32_t t, std::uint32_t seq) {
  return join("t", t, seq % kStreamsPerThread);
}

std::string event_data(std::uint32_t t, std::uint32_t seq, std::size_t i) {
  std::uint64_t state = (std::uint64_t{t} << 48) ^ (std::uint64_t{seq} << 8) ^ i;
  std::string s = join("d", t, seq);
  s += '.';
  s += std::to_string(i);
  s.resize(s.size() + detail::splitmix64(state) % 400, static_cast<char>('a' + seq % 26));
  return s;
}

Uuid event_id(std::uint32_t t, std::uint32_t seq, std::size_t i) {
  return Uuid::v4_from_bits((std::uint64_t{t} << 32) | seq, i + 1);
}

StoreOptions options(const std::string& dir) {
  StoreOptions o;
  o.directory = dir;
  o.durability = Durability::kOnCommit;
  o.segment_bytes = 64 * 1024;
  return o;
}

[[noreturn]] void child(const std::string& dir, int ack_fd, bool snapshots) {
  try {
    EventStore store(options(dir));
    std::mutex pipe_mutex;
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (std::uint32_t seq = 0; seq < 1'000'000; ++seq) {
          std::vector<std::string> data(batch_size(seq));
          std::vector<EventData> events(batch_size(seq));
          for (std::size_t i = 0; i < events.size(); ++i) {
            data[i] = event_data(t, seq, i);
            events[i].type = "Crash";
            events[i].id = event_id(t, seq, i);
            events[i].time = Timestamp(static_cast<std::int64_t>(seq) * 1000 + 7);
            events[i].data = bytes_of(data[i]);
          }
          const std::string stream = stream_name(t, seq);
          const AppendResult r = store.append(stream, events);
          {
            const std::scoped_lock lock(pipe_mutex);
            const Ack ack{t, seq};
            if (write(ack_fd, &ack, sizeof ack) != static_cast<ssize_t>(sizeof ack)) _exit(4);
          }
          if (snapshots && t == 0 && seq % 7 == 6) {
            if (seq == 6) store.set_retention(stream, RetentionPolicy::keep_before_snapshot(3));
            const std::string state = numbered("state-", r.last_version + 1);
            store.save_snapshot(stream, {r.last_version + 1, "Snap", bytes_of(state)});
            if (seq % 21 == 20) store.compact();
          }
        }
      });
    }
    for (std::thread& th : threads) th.join();
    _exit(0);
  } catch (...) {
    _exit(3);
  }
}

int trials() {
  const char* text = std::getenv("ORCHESTRIX_CRASH_TRIALS");
  return text != nullptr ? std::atoi(text) : 4;
}

// Checks the reopened store against the acknowledged batches.
void check_recovered(const EventStore& store, const std::map<std::uint32_t, std::uint32_t>& acked) {
  for (std::uint32_t t = 0; t < kThreads; ++t) {
    for (std::uint32_t s = 0; s < kStreamsPerThread; ++s) {
      CAPTURE(t);
      CAPTURE(s);
      // version -> (seq, index) for this stream's batches: seq = s, s + 2, ...
      std::vector<std::pair<std::uint32_t, std::uint32_t>> at;
      std::vector<std::uint64_t> batch_end;  // versions after each batch
      const std::string name = stream_name(t, s);
      const std::optional<std::uint64_t> v = store.stream_version(name);
      const std::uint64_t count = v ? *v + 1 : 0;
      for (std::uint32_t seq = s; at.size() < count + 64; seq += kStreamsPerThread) {
        for (std::uint32_t i = 0; i < batch_size(seq); ++i) at.emplace_back(seq, i);
        batch_end.push_back(at.size());
      }
      // No partial batch: the stream ends where a batch ends.
      CHECK(
          (count == 0 || std::find(batch_end.begin(), batch_end.end(), count) != batch_end.end()));
      // Every acknowledged batch of this stream is there.
      const auto it = acked.find(t);
      if (it != acked.end()) {
        std::uint32_t last = it->second;  // highest acknowledged seq of thread t
        while (last % kStreamsPerThread != s && last > 0) --last;
        if (last % kStreamsPerThread == s) {
          const std::size_t k = last / kStreamsPerThread;
          CHECK(count >= batch_end[k]);
        }
      }
      // Every retained event is the one its version says, intact.
      std::uint64_t expect_version = ~std::uint64_t{0};
      for (const EventView& e : store.read(name, 0, BelowRetained::kClamp)) {
        if (expect_version != ~std::uint64_t{0}) CHECK(e.version() == expect_version);
        expect_version = e.version() + 1;
        REQUIRE(e.version() < at.size());
        const auto [seq, i] = at[e.version()];
        CHECK(e.id() == event_id(t, seq, i));
        CHECK(text_of(e.data()) == event_data(t, seq, i));
        CHECK(e.type() == "Crash");
      }
      if (const std::optional<Snapshot> snap = store.load_snapshot(name)) {
        CHECK(text_of(snap->state()) == numbered("state-", snap->version()));
        CHECK(snap->version() <= count);
      }
    }
  }
  std::uint64_t previous = 0;
  bool first = true;
  for (const EventView& e : store.read_all()) {
    if (!first) CHECK(e.position().value > previous);
    previous = e.position().value;
    first = false;
  }
}

}  // namespace

TEST_CASE("store SIGKILL crash: every acknowledged batch survives, no partial batch is visible") {
  const int n = trials();
  std::uint64_t state = 0xc4a5;
  for (int trial = 0; trial < n; ++trial) {
    CAPTURE(trial);
    const std::string dir =
        (std::filesystem::temp_directory_path() /
         ("orchestrix-store-crash-" + std::to_string(::getpid()) + "-" + std::to_string(trial)))
            .string();
    std::filesystem::remove_all(dir);
    const bool snapshots = trial % 2 == 1;
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      child(dir, fds[1], snapshots);
    }
    ::close(fds[1]);
    // Kill after a random number of acknowledgements (the child's timing decides how far the
    // unacknowledged appends got).
    const std::uint64_t kill_after = 1 + detail::splitmix64(state) % 400;
    std::map<std::uint32_t, std::uint32_t> acked;  // thread -> highest acknowledged seq
    std::uint64_t received = 0;
    Ack ack{};
    bool killed = false;
    while (::read(fds[0], &ack, sizeof ack) == static_cast<ssize_t>(sizeof ack)) {
      acked[ack.thread] = std::max(acked[ack.thread], ack.seq);
      if (++received == kill_after && !killed) {
        ::kill(pid, SIGKILL);
        killed = true;
      }
    }
    // Acks still in the pipe when it was killed were read above: each was written after its
    // append returned.
    ::close(fds[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    {
      EventStore store(options(dir));
      check_recovered(store, acked);
    }
    {
      EventStore store(options(dir));  // and once more, after the recovery cut the tail
      check_recovered(store, acked);
    }
    std::filesystem::remove_all(dir);
  }
}
