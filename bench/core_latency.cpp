// core_latency: one-way cache-line hand-off latency between two CPUs, in nanoseconds.
//
//   build/release/bench/core_latency [ROUND_TRIPS]     (default 200000)
//
// Two threads, pinned to the first two CPUs this process may run on, bounce one cache line
// (spinning, no syscalls) ROUND_TRIPS times; prints the time per one-way hand-off. Every message
// of the async bus pays such hand-offs, so bench/bus_scaling.py runs this before each round to
// record which machine condition the round saw: on the project's 2-vCPU VMs the figure moves
// between two levels over time (see docs/message-bus.md).
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

alignas(64) std::atomic<long> flag{0};

}  // namespace

int main(int argc, char** argv) {
  const long trips = argc > 1 ? std::atol(argv[1]) : 200000;
  if (trips < 1) {
    std::fprintf(stderr, "usage: core_latency [ROUND_TRIPS >= 1]\n");
    return 2;
  }
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 2;
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; ++c) {
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  }
  if (cpus.size() < 2) {
    std::fprintf(stderr, "core_latency: needs two CPUs\n");
    return 2;
  }
  std::thread echo([trips, cpu = cpus[1]] {
    pin_to(cpu);
    for (long i = 0; i < trips; ++i) {
      while (flag.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      flag.store(2 * i + 2, std::memory_order_release);
    }
  });
  pin_to(cpus[0]);
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < trips; ++i) {
    flag.store(2 * i + 1, std::memory_order_release);
    while (flag.load(std::memory_order_acquire) != 2 * i + 2) {
    }
  }
  const auto stop = std::chrono::steady_clock::now();
  echo.join();
  std::printf("%.1f\n", std::chrono::duration<double, std::nano>(stop - start).count() /
                            static_cast<double>(trips) / 2);
  return 0;
}
