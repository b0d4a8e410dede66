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
#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>
#include <vector>

#include "orchestrix/bus/async_message_bus.hpp"

namespace {

using namespace orchestrix::bus;

struct AsyncEvent {
  static constexpr MessageKind message_kind = MessageKind::event;
  static constexpr std::string_view message_type = "bench.AsyncEvent";
  int value = 0;
};

std::vector<Envelope<AsyncEvent>> make_batch(int n, int salt) {
  std::vector<Envelope<AsyncEvent>> batch;
  for (int i = 0; i < n; ++i) {
    std::string key = "agg-";
    key += std::to_string((i + salt) % 16);
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

void BM_AsyncBusPublish(benchmark::State& state) {
  AsyncMessageBus bus({.workers = 2});
  auto s = bus.subscribe<AsyncEvent>(
      [](const Envelope<AsyncEvent>& m) { benchmark::DoNotOptimize(&m); });
  const auto batch = make_batch(static_cast<int>(state.range(0)), 0);
  std::vector<Completion> completions;
  for (auto _ : state) publish_and_wait(bus, batch, completions);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AsyncBusPublish)->Arg(10)->Arg(100)->UseRealTime();

void BM_AsyncBusPublishConcurrent(benchmark::State& state) {
  static AsyncMessageBus* bus = nullptr;
  static Subscription* sub = nullptr;
  if (state.thread_index() == 0) {
    bus = new AsyncMessageBus({.workers = 2});
    sub = new Subscription(bus->subscribe<AsyncEvent>(
        [](const Envelope<AsyncEvent>& m) { benchmark::DoNotOptimize(&m); }));
  }
  const auto batch = make_batch(100, state.thread_index() * 8);
  std::vector<Completion> completions;
  for (auto _ : state) publish_and_wait(*bus, batch, completions);
  state.SetItemsProcessed(state.iterations() * 100);
  if (state.thread_index() == 0) {
    delete sub;
    delete bus;
  }
}
BENCHMARK(BM_AsyncBusPublishConcurrent)->Threads(1)->Threads(2)->UseRealTime();

// The no-sharing control: what each publishing thread reaches on a bus of its own. `workers`
// per private bus: 1 (the same total worker count as the shared bus at 2 threads) or 2 (the
// same options as the shared bus, so that at 1 thread control and subject are the same setup).
void async_control(benchmark::State& state, std::size_t workers) {
  AsyncMessageBus bus({.workers = workers});  // private to this thread
  auto s = bus.subscribe<AsyncEvent>(
      [](const Envelope<AsyncEvent>& m) { benchmark::DoNotOptimize(&m); });
  const auto batch = make_batch(100, state.thread_index() * 8);
  std::vector<Completion> completions;
  for (auto _ : state) publish_and_wait(bus, batch, completions);
  state.SetItemsProcessed(state.iterations() * 100);
}
void BM_AsyncControlPublishConcurrent(benchmark::State& state) { async_control(state, 1); }
BENCHMARK(BM_AsyncControlPublishConcurrent)->Threads(1)->Threads(2)->UseRealTime();

void BM_AsyncControl2wPublishConcurrent(benchmark::State& state) { async_control(state, 2); }
BENCHMARK(BM_AsyncControl2wPublishConcurrent)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
