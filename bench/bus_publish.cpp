// Message bus benchmarks: the synchronous MessageBus against a naive baseline.
//
// Scenarios (mirroring the original benchmarks/test_message_bus_benchmark.py list):
//   BM_EnvelopeCreate                  make_message(): UUIDv7 + clock read + interned type
//   BM_{Bus,NaiveBus}PublishSingle     one prebuilt message, one handler
//   BM_{Bus,NaiveBus}CreateAndPublish  build the envelope, then publish (the original "single")
//   BM_{Bus,NaiveBus}PublishBatch/N    N = 100, 1000 prebuilt messages per iteration
//   BM_{Bus,NaiveBus}PublishHandlers/N N = 5, 10 handlers of one message type
//   BM_{Bus,NaiveBus}PublishPayload/B  build + publish a message carrying B = 16, 1024, 65536 bytes
//   BM_{Bus,NaiveBus}PublishConcurrent Threads(1) and Threads(2) publishing on ONE shared bus
//   BM_ControlPublishConcurrent        the no-sharing control: each thread its own private bus
//   BM_AtomicSpBusPublish{Single,Concurrent}  the "obvious" lock-free design: the handler list in
//                                    a std::atomic<std::shared_ptr> (libstdc++ 12 guards it with
//                                    an internal lock, and every load bumps the shared count)
// The naive baseline is what most in-process buses do: a mutex around an unordered_map of
// std::vector<std::function>, with the same per-handler try/catch isolation.
// Speed-up = items_per_second(Threads 2) / items_per_second(Threads 1); docs/message-bus.md
// compares each shared bus's speed-up with the control's, from one run.
#include <benchmark/benchmark.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include "orchestrix/bus/message_bus.hpp"

namespace {

using namespace orchestrix::bus;

struct SmallEvent {
  static constexpr MessageKind message_kind = MessageKind::kEvent;
  static constexpr std::string_view message_type = "bench.SmallEvent";
  int value = 0;
};

struct PayloadEvent {
  static constexpr MessageKind message_kind = MessageKind::kEvent;
  static constexpr std::string_view message_type = "bench.PayloadEvent";
  std::string data;
};

// The baseline: a mutex-protected map of std::vector<std::function>.
class NaiveBus {
 public:
  template <class T, class F>
  void subscribe(F f) {
    std::lock_guard lock(mutex_);
    handlers_[typeid(T)].emplace_back(
        [f = std::move(f)](const void* m) { f(*static_cast<const Envelope<T>*>(m)); });
  }
  template <class T>
  void publish(const Envelope<T>& m) {
    std::lock_guard lock(mutex_);
    auto it = handlers_.find(typeid(T));
    if (it == handlers_.end()) return;
    for (auto& h : it->second) {
      try {
        h(&m);
      } catch (...) {
      }
    }
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::type_index, std::vector<std::function<void(const void*)>>> handlers_;
};

// The copy-on-write alternative: handler lists behind std::atomic<std::shared_ptr>.
class AtomicSpBus {
 public:
  using List = std::vector<std::function<void(const void*)>>;
  template <class T, class F>
  void subscribe(F f) {
    std::lock_guard lock(writer_);
    auto next = std::make_shared<List>(*list_.load());
    next->emplace_back(
        [f = std::move(f)](const void* m) { f(*static_cast<const Envelope<T>*>(m)); });
    list_.store(std::move(next));
  }
  template <class T>
  void publish(const Envelope<T>& m) {
    const std::shared_ptr<const List> list = list_.load();  // one message type in these benches
    for (const auto& h : *list) {
      try {
        h(&m);
      } catch (...) {
      }
    }
  }

 private:
  std::mutex writer_;
  std::atomic<std::shared_ptr<const List>> list_{std::make_shared<const List>()};
};

template <class T>
auto sink_handler() {
  return [](const Envelope<T>& m) { benchmark::DoNotOptimize(&m); };
}

// MessageBus returns Subscriptions; NaiveBus returns nothing. Keep whichever we get alive.
template <class Bus, class T>
struct Subscriptions {
  std::vector<Subscription> list;
  void add(Bus& bus) {
    if constexpr (std::is_same_v<Bus, MessageBus>) {
      list.push_back(bus.template subscribe<T>(sink_handler<T>()));
    } else {
      bus.template subscribe<T>(sink_handler<T>());
    }
  }
};

void BM_EnvelopeCreate(benchmark::State& state) {
  int i = 0;
  for (auto _ : state) {
    auto m = make_message(SmallEvent{++i}, {.subject = "agg-1"});
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EnvelopeCreate);

template <class Bus>
void publish_single(benchmark::State& state) {
  Bus bus;
  Subscriptions<Bus, SmallEvent> subs;
  subs.add(bus);
  const auto m = make_message(SmallEvent{1}, {.subject = "agg-1"});
  for (auto _ : state) bus.publish(m);
  state.SetItemsProcessed(state.iterations());
}
void BM_BusPublishSingle(benchmark::State& state) { publish_single<MessageBus>(state); }
void BM_NaiveBusPublishSingle(benchmark::State& state) { publish_single<NaiveBus>(state); }
void BM_AtomicSpBusPublishSingle(benchmark::State& state) { publish_single<AtomicSpBus>(state); }
BENCHMARK(BM_BusPublishSingle);
BENCHMARK(BM_NaiveBusPublishSingle);
BENCHMARK(BM_AtomicSpBusPublishSingle);

template <class Bus>
void create_and_publish(benchmark::State& state) {
  Bus bus;
  Subscriptions<Bus, SmallEvent> subs;
  subs.add(bus);
  int i = 0;
  for (auto _ : state) bus.publish(make_message(SmallEvent{++i}, {.subject = "agg-1"}));
  state.SetItemsProcessed(state.iterations());
}
void BM_BusCreateAndPublish(benchmark::State& state) { create_and_publish<MessageBus>(state); }
void BM_NaiveBusCreateAndPublish(benchmark::State& state) { create_and_publish<NaiveBus>(state); }
BENCHMARK(BM_BusCreateAndPublish);
BENCHMARK(BM_NaiveBusCreateAndPublish);

template <class Bus>
void publish_batch(benchmark::State& state) {
  Bus bus;
  Subscriptions<Bus, SmallEvent> subs;
  subs.add(bus);
  std::vector<Envelope<SmallEvent>> batch;
  for (int i = 0; i < state.range(0); ++i) batch.push_back(make_message(SmallEvent{i}));
  for (auto _ : state) {
    for (const auto& m : batch) bus.publish(m);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
void BM_BusPublishBatch(benchmark::State& state) { publish_batch<MessageBus>(state); }
void BM_NaiveBusPublishBatch(benchmark::State& state) { publish_batch<NaiveBus>(state); }
BENCHMARK(BM_BusPublishBatch)->Arg(100)->Arg(1000);
BENCHMARK(BM_NaiveBusPublishBatch)->Arg(100)->Arg(1000);

template <class Bus>
void publish_handlers(benchmark::State& state) {
  Bus bus;
  Subscriptions<Bus, SmallEvent> subs;
  for (int i = 0; i < state.range(0); ++i) subs.add(bus);
  const auto m = make_message(SmallEvent{1});
  for (auto _ : state) bus.publish(m);
  state.SetItemsProcessed(state.iterations());
  state.counters["handlers"] = static_cast<double>(state.range(0));
}
void BM_BusPublishHandlers(benchmark::State& state) { publish_handlers<MessageBus>(state); }
void BM_NaiveBusPublishHandlers(benchmark::State& state) { publish_handlers<NaiveBus>(state); }
BENCHMARK(BM_BusPublishHandlers)->Arg(5)->Arg(10);
BENCHMARK(BM_NaiveBusPublishHandlers)->Arg(5)->Arg(10);

template <class Bus>
void publish_payload(benchmark::State& state) {
  Bus bus;
  Subscriptions<Bus, PayloadEvent> subs;
  subs.add(bus);
  const std::string payload(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) bus.publish(make_message(PayloadEvent{payload}, {.subject = "agg-1"}));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
void BM_BusPublishPayload(benchmark::State& state) { publish_payload<MessageBus>(state); }
void BM_NaiveBusPublishPayload(benchmark::State& state) { publish_payload<NaiveBus>(state); }
BENCHMARK(BM_BusPublishPayload)->Arg(16)->Arg(1024)->Arg(65536);
BENCHMARK(BM_NaiveBusPublishPayload)->Arg(16)->Arg(1024)->Arg(65536);

// ---- concurrent publishers ---------------------------------------------------------------------
// Each thread publishes its own prebuilt message, 100 per iteration, to one sink handler.
constexpr int kConcurrentBatch = 100;

template <class Bus>
// `bus` is read only inside the loop, i.e. after the loop's start barrier, which is what makes
// thread 0's setup of a shared bus visible to the other threads (reading it before the barrier
// could see the previous run's deleted bus).
void publish_loop(benchmark::State& state, Bus* const& bus) {
  const auto m = make_message(SmallEvent{state.thread_index()});
  for (auto _ : state) {
    for (int i = 0; i < kConcurrentBatch; ++i) bus->publish(m);
  }
  state.SetItemsProcessed(state.iterations() * kConcurrentBatch);
}

template <class Bus>
void publish_concurrent_shared(benchmark::State& state) {
  static Bus* bus = nullptr;
  static Subscriptions<Bus, SmallEvent>* subs = nullptr;
  if (state.thread_index() == 0) {
    bus = new Bus;
    subs = new Subscriptions<Bus, SmallEvent>;
    subs->add(*bus);
  }
  publish_loop(state, bus);
  if (state.thread_index() == 0) {
    delete subs;
    delete bus;
  }
}
void BM_BusPublishConcurrent(benchmark::State& state) {
  publish_concurrent_shared<MessageBus>(state);
}
void BM_NaiveBusPublishConcurrent(benchmark::State& state) {
  publish_concurrent_shared<NaiveBus>(state);
}
void BM_AtomicSpBusPublishConcurrent(benchmark::State& state) {
  publish_concurrent_shared<AtomicSpBus>(state);
}
void BM_ControlPublishConcurrent(benchmark::State& state) {
  MessageBus bus;  // private to this thread: nothing is shared
  auto s = bus.subscribe<SmallEvent>(sink_handler<SmallEvent>());
  MessageBus* const own = &bus;
  publish_loop(state, own);
}
BENCHMARK(BM_BusPublishConcurrent)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_ControlPublishConcurrent)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_NaiveBusPublishConcurrent)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_AtomicSpBusPublishConcurrent)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
