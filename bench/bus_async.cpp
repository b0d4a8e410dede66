// Async message bus benchmarks.
//
// Scenarios:
//   BM_AsyncBusPublish/N            publish N = 10, 100 messages (16 keys) and wait for all of
//                                    their completions: the original "concurrent publishing"
//   BM_AsyncBusPublishConcurrent    Threads(1) and Threads(2) publishers on ONE bus (2 workers),
//                                    100 messages each per iteration, waiting for their
//                                    completions (this VM has 2 cores: publishers and workers
//                                    share them)
//   BM_AsyncControlPublishConcurrent the no-sharing control: each publishing thread has its own
//                                    private bus with 1 worker (same total worker count at 2)
//   BM_AsyncControl2wPublishConcurrent the same with 2 workers per private bus (same options as
//                                    the shared bus: identical setup at 1 thread)
//   BM_AsyncBusPinnedPublishConcurrent, BM_AsyncControl2wPinnedPublishConcurrent
//                                    the shared bus and the 2-worker control with every thread
//                                    pinned (publisher i and worker i on CPU i): one placement
//                                    for both, instead of the scheduler's choice per run
//   BM_AsyncBusPartitionedPinnedPublishConcurrent a diagnostic: one bus whose two publishers'
//                                    keys map to disjoint workers (the pinned control's layout)
//   BM_AsyncBusOwnKeysPublishConcurrent, BM_AsyncControl2wOwnKeysPublishConcurrent (and their
//                                    Pinned variants): every publishing thread publishes
//                                    aggregates of its own (16 keys per thread, none shared), on
//                                    buses with kOwnKeysLanes lanes per worker; shared bus and
//                                    control have the same options
//   BM_AsyncBusOwnManyKeysPinnedPublishConcurrent,
//   BM_AsyncControl2wOwnManyKeysPinnedPublishConcurrent
//                                    the pinned own-keys pair with 100 keys per thread (every
//                                    message its own aggregate)
//   BM_AsyncBusByPublisher[OwnKeys|OwnManyKeys]PinnedPublishConcurrent and their
//                                    BM_AsyncControl2wByPublisher... controls: the pinned pairs of
//                                    the same-keys, own-keys and own-many-keys workloads on buses
//                                    with LaneChoice::kByPublisher (a lane per publishing thread)
//   BM_AsyncBusOwnKeys1Lane[Pinned]PublishConcurrent the same workload on a shared bus of one
//                                    lane per worker (what the lanes change), judged against the
//                                    2-worker control of one lane (pinned or not)
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "orchestrix/bus/async_message_bus.hpp"
#include "registration.hpp"

namespace {

using namespace orchestrix::bus;

struct AsyncEvent {
  static constexpr MessageKind message_kind = MessageKind::kEvent;
  static constexpr std::string_view message_type = "bench.AsyncEvent";
  int value = 0;
};

// `n` messages over `keys` keys: "agg-0" .. "agg-15" starting at `salt` (every publishing thread
// publishes the same 16 aggregates), or, with `owner` >= 0, "agg-<owner>-0" .. (aggregates of
// that thread's own).
std::vector<Envelope<AsyncEvent>> make_batch(int n, int salt, int owner = -1, int keys = 16) {
  std::vector<Envelope<AsyncEvent>> batch;
  for (int i = 0; i < n; ++i) {
    std::string key = "agg-";
    if (owner >= 0) key += std::to_string(owner) + "-";
    key += std::to_string((i + salt) % keys);
    batch.push_back(make_message(AsyncEvent{i}, {.subject = key}));
  }
  return batch;
}

void publish_and_wait(AsyncMessageBus& bus, const std::vector<Envelope<AsyncEvent>>& batch,
                      std::vector<Completion>& completions) {
  completions.clear();
  for (const auto& m : batch) completions.push_back(bus.publish(m));
  for (auto& c : completions) c.wait();
}

// A handler that does nothing the compiler could drop.
Subscription subscribe_noop(AsyncMessageBus& bus) {
  return bus.subscribe<AsyncEvent>(
      [](const Envelope<AsyncEvent>& m) { benchmark::DoNotOptimize(&m); });
}

// One publishing thread's timed loop.
void publish_loop(benchmark::State& state, AsyncMessageBus& bus,
                  const std::vector<Envelope<AsyncEvent>>& batch) {
  std::vector<Completion> completions;
  for (auto _ : state) publish_and_wait(bus, batch, completions);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
}

void BM_AsyncBusPublish(benchmark::State& state) {
  AsyncMessageBus bus({.workers = 2});
  auto s = subscribe_noop(bus);
  publish_loop(state, bus, make_batch(static_cast<int>(state.range(0)), 0));
}
ORCHESTRIX_BENCHMARK(BM_AsyncBusPublish)->Arg(10)->Arg(100)->UseRealTime();

// The pinned variants run the same scenarios with one fixed placement policy for every
// configuration, so that the comparison does not depend on where the scheduler happens to put
// the threads: publishing thread i runs on CPU i, worker i of every bus on CPU i (modulo the CPU
// count). At 2 publishers each CPU then runs one publisher, and each publisher sends half of
// its messages to a worker on the other CPU, shared bus and control alike.
void pin_to_cpu(std::size_t index) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<int>(index % std::max(1U, std::thread::hardware_concurrency())), &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// Pins publishing thread `state.thread_index()` for its lifetime when `pinned` (otherwise does
// nothing), then gives it back its previous CPU set (Threads(1) runs on the main thread, which
// runs the other benchmarks afterwards).
class PinnedScope {
 public:
  PinnedScope(const benchmark::State& state, bool pinned) : pinned_(pinned) {
    if (!pinned_) return;
    pthread_getaffinity_np(pthread_self(), sizeof saved_, &saved_);
    pin_to_cpu(static_cast<std::size_t>(state.thread_index()));
  }
  ~PinnedScope() {
    if (pinned_) pthread_setaffinity_np(pthread_self(), sizeof saved_, &saved_);
  }
  PinnedScope(const PinnedScope&) = delete;
  PinnedScope& operator=(const PinnedScope&) = delete;

 private:
  bool pinned_;
  cpu_set_t saved_{};
};

AsyncBusOptions bus_options(std::size_t workers, bool pinned, std::size_t lanes = 1,
                            LaneChoice choice = LaneChoice::kByKey) {
  AsyncBusOptions options{.workers = workers, .lanes = lanes, .lane_choice = choice};
  if (pinned) options.on_worker_start = pin_to_cpu;
  return options;
}

// ONE bus shared by all publishing threads: created before the threads start (Setup) and
// destroyed after they finished (Teardown).
struct SharedBus {
  AsyncMessageBus* bus = nullptr;
  Subscription* sub = nullptr;
};
SharedBus shared;

void create_shared_bus(std::size_t workers, bool pinned, std::size_t lanes = 1,
                       LaneChoice choice = LaneChoice::kByKey) {
  shared.bus = new AsyncMessageBus(bus_options(workers, pinned, lanes, choice));
  shared.sub = new Subscription(subscribe_noop(*shared.bus));
}
void shared_setup(const benchmark::State&) { create_shared_bus(2, false); }
void shared_pinned_setup(const benchmark::State&) { create_shared_bus(2, true); }
void shared_teardown(const benchmark::State&) {
  delete shared.sub;
  delete shared.bus;
  shared = {};
}

void shared_bus(benchmark::State& state, bool pinned) {
  const PinnedScope pin(state, pinned);
  publish_loop(state, *shared.bus, make_batch(100, state.thread_index() * 8));
}
void BM_AsyncBusPublishConcurrent(benchmark::State& state) { shared_bus(state, false); }
ORCHESTRIX_BENCHMARK(BM_AsyncBusPublishConcurrent)
    ->Setup(shared_setup)
    ->Teardown(shared_teardown)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// The no-sharing control: what each publishing thread reaches on a bus of its own. `workers`
// per private bus: 1 (the same total worker count as the shared bus at 2 threads) or 2 (the
// same options as the shared bus, so that at 1 thread control and subject are the same setup).
// `own_keys`: 0 publishes the 16 keys every thread publishes, n > 0 n keys of the thread's own
// (the workloads of the shared buses below).
void async_control(benchmark::State& state, std::size_t workers, bool pinned, std::size_t lanes = 1,
                   int own_keys = 0, LaneChoice choice = LaneChoice::kByKey) {
  const PinnedScope pin(state, pinned);
  AsyncMessageBus bus(bus_options(workers, pinned, lanes, choice));  // private to this thread
  auto s = subscribe_noop(bus);
  publish_loop(state, bus,
               own_keys == 0 ? make_batch(100, state.thread_index() * 8)
                             : make_batch(100, 0, state.thread_index(), own_keys));
}
void BM_AsyncControlPublishConcurrent(benchmark::State& state) { async_control(state, 1, false); }
ORCHESTRIX_BENCHMARK(BM_AsyncControlPublishConcurrent)->Threads(1)->Threads(2)->UseRealTime();

void BM_AsyncControl2wPublishConcurrent(benchmark::State& state) { async_control(state, 2, false); }
ORCHESTRIX_BENCHMARK(BM_AsyncControl2wPublishConcurrent)->Threads(1)->Threads(2)->UseRealTime();

void BM_AsyncBusPinnedPublishConcurrent(benchmark::State& state) { shared_bus(state, true); }
ORCHESTRIX_BENCHMARK(BM_AsyncBusPinnedPublishConcurrent)
    ->Setup(shared_pinned_setup)
    ->Teardown(shared_teardown)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncControl2wPinnedPublishConcurrent(benchmark::State& state) {
  async_control(state, 2, true);
}
ORCHESTRIX_BENCHMARK(BM_AsyncControl2wPinnedPublishConcurrent)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// A diagnostic, not a workload: ONE bus with 4 pinned workers, where publishing thread t's 16
// keys all map to workers 2t and 2t + 1 (chosen with worker_for). The threads, their CPUs and
// who sends to whom are then exactly those of the pinned 2-worker control (worker i on CPU i % 2),
// and the publishers share no ring: only the bus object, its subscription and dispatch state.
// Its scaling against the control therefore shows what the bus costs apart from the rings, and
// how far two identical layouts measure apart on this machine.
std::vector<Envelope<AsyncEvent>> partitioned_batches[2];

void partitioned_setup(const benchmark::State&) {
  create_shared_bus(4, true);
  for (std::size_t t = 0; t < 2; ++t) {
    std::vector<std::string> keys;
    for (int i = 0; keys.size() < 16; ++i) {
      std::string key = "agg-" + std::to_string(t) + "-" + std::to_string(i);
      if (shared.bus->worker_for(key) / 2 == t) keys.push_back(std::move(key));
    }
    partitioned_batches[t].clear();
    for (int i = 0; i < 100; ++i) {
      partitioned_batches[t].push_back(make_message(AsyncEvent{i}, {.subject = keys[i % 16]}));
    }
  }
}

void BM_AsyncBusPartitionedPinnedPublishConcurrent(benchmark::State& state) {
  const PinnedScope pin(state, true);
  publish_loop(state, *shared.bus, partitioned_batches[state.thread_index() % 2]);
}
ORCHESTRIX_BENCHMARK(BM_AsyncBusPartitionedPinnedPublishConcurrent)
    ->Setup(partitioned_setup)
    ->Teardown(shared_teardown)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// Publishers of different aggregates: thread t publishes "agg-t-0" .. "agg-t-15" and no other
// thread does, the usual layout of a service whose threads each handle their own aggregates.
// With lanes, two such publishers write a common tail line only where two of their keys hash to
// one lane (with 64 lanes on each of 2 workers, about 2 of the 16 x 16 key pairs: the counter
// `shared_keys` reports how many of a thread's 16 keys share a lane with the other thread's keys,
// averaged over the two threads).
constexpr std::size_t kOwnKeysLanes = 64;

// How many of thread `owner`'s `keys` keys share a (worker, lane) with the other thread's keys.
int shared_keys(const AsyncMessageBus& bus, int owner, int keys) {
  auto lanes_of = [&](int t) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (const auto& m : make_batch(keys, 0, t, keys)) {
      out.emplace_back(bus.worker_for(m.metadata.subject), bus.lane_for(m.metadata.subject));
    }
    return out;
  };
  const auto mine = lanes_of(owner);
  const auto theirs = lanes_of(1 - owner);
  return static_cast<int>(std::count_if(mine.begin(), mine.end(), [&](const auto& lane) {
    return std::find(theirs.begin(), theirs.end(), lane) != theirs.end();
  }));
}

void own_keys_setup(const benchmark::State&) { create_shared_bus(2, false, kOwnKeysLanes); }
void own_keys_pinned_setup(const benchmark::State&) { create_shared_bus(2, true, kOwnKeysLanes); }
void own_keys_1lane_setup(const benchmark::State&) { create_shared_bus(2, false, 1); }
void own_keys_1lane_pinned_setup(const benchmark::State&) { create_shared_bus(2, true, 1); }

// `lane_counter`: report `shared_keys` (meaningful for kByKey lanes only: under kByPublisher
// the lane is the thread's, whatever the key).
void own_keys_shared_bus(benchmark::State& state, bool pinned, int keys = 16,
                         bool lane_counter = true) {
  const PinnedScope pin(state, pinned);
  const int owner = state.thread_index();
  publish_loop(state, *shared.bus, make_batch(100, 0, owner, keys));
  if (lane_counter && state.threads() == 2) {
    state.counters["shared_keys"] =
        benchmark::Counter(shared_keys(*shared.bus, owner, keys), benchmark::Counter::kAvgThreads);
  }
}

void BM_AsyncBusOwnKeysPublishConcurrent(benchmark::State& state) {
  own_keys_shared_bus(state, false);
}
ORCHESTRIX_BENCHMARK(BM_AsyncBusOwnKeysPublishConcurrent)
    ->Setup(own_keys_setup)
    ->Teardown(shared_teardown)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncControl2wOwnKeysPublishConcurrent(benchmark::State& state) {
  async_control(state, 2, false, kOwnKeysLanes, 16);
}
ORCHESTRIX_BENCHMARK(BM_AsyncControl2wOwnKeysPublishConcurrent)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncBusOwnKeysPinnedPublishConcurrent(benchmark::State& state) {
  own_keys_shared_bus(state, true);
}
ORCHESTRIX_BENCHMARK(BM_AsyncBusOwnKeysPinnedPublishConcurrent)
    ->Setup(own_keys_pinned_setup)
    ->Teardown(shared_teardown)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncControl2wOwnKeysPinnedPublishConcurrent(benchmark::State& state) {
  async_control(state, 2, true, kOwnKeysLanes, 16);
}
ORCHESTRIX_BENCHMARK(BM_AsyncControl2wOwnKeysPinnedPublishConcurrent)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncBusOwnKeys1LanePublishConcurrent(benchmark::State& state) {
  own_keys_shared_bus(state, false);
}
ORCHESTRIX_BENCHMARK(BM_AsyncBusOwnKeys1LanePublishConcurrent)
    ->Setup(own_keys_1lane_setup)
    ->Teardown(shared_teardown)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncBusOwnKeys1LanePinnedPublishConcurrent(benchmark::State& state) {
  own_keys_shared_bus(state, true);
}
ORCHESTRIX_BENCHMARK(BM_AsyncBusOwnKeys1LanePinnedPublishConcurrent)
    ->Setup(own_keys_1lane_pinned_setup)
    ->Teardown(shared_teardown)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// Where lanes stop helping: each thread's 100 messages go to 100 aggregates of its own (every
// message a different aggregate), so each thread's keys cover most of the 2 x 64 lanes and the
// two threads again write the same tail lines, as with shared keys.
void BM_AsyncBusOwnManyKeysPinnedPublishConcurrent(benchmark::State& state) {
  own_keys_shared_bus(state, true, 100);
}
ORCHESTRIX_BENCHMARK(BM_AsyncBusOwnManyKeysPinnedPublishConcurrent)
    ->Setup(own_keys_pinned_setup)
    ->Teardown(shared_teardown)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncControl2wOwnManyKeysPinnedPublishConcurrent(benchmark::State& state) {
  async_control(state, 2, true, kOwnKeysLanes, 100);
}
ORCHESTRIX_BENCHMARK(BM_AsyncControl2wOwnManyKeysPinnedPublishConcurrent)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// LaneChoice::kByPublisher: a lane per publishing thread (kPublisherLanes per worker: each of
// the two publishers gets its own), one key's order kept by the slot table (4096 slots per
// worker). The pinned pairs of the three workloads above: the same 16 keys on both threads,
// 16 own keys per thread, 100 own keys per thread.
constexpr std::size_t kPublisherLanes = 4;

void publisher_lanes_setup(const benchmark::State&) {
  create_shared_bus(2, true, kPublisherLanes, LaneChoice::kByPublisher);
}

void BM_AsyncBusByPublisherPinnedPublishConcurrent(benchmark::State& state) {
  shared_bus(state, true);
}
ORCHESTRIX_BENCHMARK(BM_AsyncBusByPublisherPinnedPublishConcurrent)
    ->Setup(publisher_lanes_setup)
    ->Teardown(shared_teardown)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncControl2wByPublisherPinnedPublishConcurrent(benchmark::State& state) {
  async_control(state, 2, true, kPublisherLanes, 0, LaneChoice::kByPublisher);
}
ORCHESTRIX_BENCHMARK(BM_AsyncControl2wByPublisherPinnedPublishConcurrent)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncBusByPublisherOwnKeysPinnedPublishConcurrent(benchmark::State& state) {
  own_keys_shared_bus(state, true, 16, false);
}
ORCHESTRIX_BENCHMARK(BM_AsyncBusByPublisherOwnKeysPinnedPublishConcurrent)
    ->Setup(publisher_lanes_setup)
    ->Teardown(shared_teardown)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncControl2wByPublisherOwnKeysPinnedPublishConcurrent(benchmark::State& state) {
  async_control(state, 2, true, kPublisherLanes, 16, LaneChoice::kByPublisher);
}
ORCHESTRIX_BENCHMARK(BM_AsyncControl2wByPublisherOwnKeysPinnedPublishConcurrent)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncBusByPublisherOwnManyKeysPinnedPublishConcurrent(benchmark::State& state) {
  own_keys_shared_bus(state, true, 100, false);
}
ORCHESTRIX_BENCHMARK(BM_AsyncBusByPublisherOwnManyKeysPinnedPublishConcurrent)
    ->Setup(publisher_lanes_setup)
    ->Teardown(shared_teardown)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_AsyncControl2wByPublisherOwnManyKeysPinnedPublishConcurrent(benchmark::State& state) {
  async_control(state, 2, true, kPublisherLanes, 100, LaneChoice::kByPublisher);
}
ORCHESTRIX_BENCHMARK(BM_AsyncControl2wByPublisherOwnManyKeysPinnedPublishConcurrent)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

}  // namespace
