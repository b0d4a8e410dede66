// bench_bus (synchronous part): the MessageBus against the peers a user would pick instead, in
// the same executable and the same run.
//
// Sides: BM_Bus (MessageBus), BM_NaiveBus (what most in-process buses do: a mutex around an
// unordered_map of std::vector<std::function>, with the same per-handler try/catch isolation),
// BM_Signals2 (Boost.Signals2, thread-safe by default), BM_FunctionLoop (a plain
// std::vector<std::function> loop: no lookup, no lock, no isolation: the floor of dispatch).
// Scenarios (the original's name in brackets):
//   BM_EnvelopeCreate                  make_message(): UUIDv7 + clock read + interned type
//   BM_<side>PublishSingle             one prebuilt message, one handler
//   BM_<side>CreateAndPublish          build the envelope, then publish [single message]
//   BM_<side>PublishBatch/N            N = 100, 1,000 prebuilt messages per iteration [batch]
//   BM_<side>PublishHandlers/N         N = 5, 10 handlers of one message type [multiple handlers]
//   BM_<side>PublishPayload/B          build + publish a message carrying B = 16, 1,024, 65,536
//                                      bytes [payload sizes small, medium, large]
//   BM_<side>PublishConcurrent/N       Threads(1) and Threads(2) publishing N = 10, 100 messages
//                                      per iteration on ONE shared bus [concurrent publishing]
//   BM_ControlPublishConcurrent/N      the no-sharing control: each thread its own private bus
//   BM_AtomicSpBusPublish{Single,Concurrent}  the "obvious" lock-free design: the handler list in
//                                    a std::atomic<std::shared_ptr> (libstdc++ 12 guards it with
//                                    an internal lock, and every load bumps the shared count)
// Counters: items_per_second (messages; the total over all threads for the concurrent ones, in
// real time), allocs_per_op (alloc_count.hpp; an operation is one iteration).
// Speed-up = items_per_second(Threads 2) / items_per_second(Threads 1); docs/message-bus.md
// compares each shared bus's speed-up with the control's, from one run.
#include <benchmark/benchmark.h>

#include <atomic>
#include <boost/signals2/signal.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include "alloc_count.hpp"
#include "orchestrix/bus/message_bus.hpp"
#include "registration.hpp"

namespace {

using namespace orchestrix::bus;
using orchestrix::bench::AllocCount;

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

// Boost.Signals2: one signal per bus (one message type per bus in these benches).
class Signals2Bus {
 public:
  template <class T, class F>
  void subscribe(F f) {
    signal_.connect([f = std::move(f)](const void* m) { f(*static_cast<const Envelope<T>*>(m)); });
  }
  template <class T>
  void publish(const Envelope<T>& m) {
    signal_(&m);
  }

 private:
  boost::signals2::signal<void(const void*)> signal_;
};

// A plain std::vector<std::function> loop (one message type per bus in these benches).
class FunctionLoopBus {
 public:
  template <class T, class F>
  void subscribe(F f) {
    handlers_.emplace_back(
        [f = std::move(f)](const void* m) { f(*static_cast<const Envelope<T>*>(m)); });
  }
  template <class T>
  void publish(const Envelope<T>& m) {
    for (const auto& h : handlers_) h(&m);
  }

 private:
  std::vector<std::function<void(const void*)>> handlers_;
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
  const AllocCount allocs;
  for (auto _ : state) {
    auto m = make_message(SmallEvent{++i}, {.subject = "agg-1"});
    benchmark::DoNotOptimize(m);
  }
  allocs.report(state);
  state.SetItemsProcessed(state.iterations());
}
ORCHESTRIX_BENCHMARK(BM_EnvelopeCreate);

template <class Bus>
void publish_single(benchmark::State& state) {
  Bus bus;
  Subscriptions<Bus, SmallEvent> subs;
  subs.add(bus);
  const auto m = make_message(SmallEvent{1}, {.subject = "agg-1"});
  const AllocCount allocs;
  for (auto _ : state) bus.publish(m);
  allocs.report(state);
  state.SetItemsProcessed(state.iterations());
}

template <class Bus>
void create_and_publish(benchmark::State& state) {
  Bus bus;
  Subscriptions<Bus, SmallEvent> subs;
  subs.add(bus);
  int i = 0;
  const AllocCount allocs;
  for (auto _ : state) bus.publish(make_message(SmallEvent{++i}, {.subject = "agg-1"}));
  allocs.report(state);
  state.SetItemsProcessed(state.iterations());
}

template <class Bus>
void publish_batch(benchmark::State& state) {
  Bus bus;
  Subscriptions<Bus, SmallEvent> subs;
  subs.add(bus);
  std::vector<Envelope<SmallEvent>> batch;
  batch.reserve(static_cast<std::size_t>(state.range(0)));
  for (int i = 0; i < state.range(0); ++i) batch.push_back(make_message(SmallEvent{i}));
  const AllocCount allocs;
  for (auto _ : state) {
    for (const auto& m : batch) bus.publish(m);
  }
  allocs.report(state);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

template <class Bus>
void publish_handlers(benchmark::State& state) {
  Bus bus;
  Subscriptions<Bus, SmallEvent> subs;
  for (int i = 0; i < state.range(0); ++i) subs.add(bus);
  const auto m = make_message(SmallEvent{1});
  const AllocCount allocs;
  for (auto _ : state) bus.publish(m);
  allocs.report(state);
  state.SetItemsProcessed(state.iterations());
  state.counters["handlers"] = static_cast<double>(state.range(0));
}

template <class Bus>
void publish_payload(benchmark::State& state) {
  Bus bus;
  Subscriptions<Bus, PayloadEvent> subs;
  subs.add(bus);
  const std::string payload(static_cast<std::size_t>(state.range(0)), 'x');
  const AllocCount allocs;
  for (auto _ : state) bus.publish(make_message(PayloadEvent{payload}, {.subject = "agg-1"}));
  allocs.report(state);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

// ---- concurrent publishers ---------------------------------------------------------------------
// Each thread publishes its own prebuilt message, N (the argument) per iteration, to one sink
// handler.

template <class Bus>
// `bus` is read only inside the loop, i.e. after the loop's start barrier, which is what makes
// thread 0's setup of a shared bus visible to the other threads (reading it before the barrier
// could see the previous run's deleted bus).
void publish_loop(benchmark::State& state, Bus* const& bus) {
  const auto m = make_message(SmallEvent{state.thread_index()});
  const auto n = state.range(0);
  const AllocCount allocs;
  for (auto _ : state) {
    for (std::int64_t i = 0; i < n; ++i) bus->publish(m);
  }
  allocs.report(state);
  state.SetItemsProcessed(state.iterations() * n);
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
void control_publish_concurrent(benchmark::State& state) {
  MessageBus bus;  // private to this thread: nothing is shared
  auto s = bus.subscribe<SmallEvent>(sink_handler<SmallEvent>());
  MessageBus* const own = &bus;
  publish_loop(state, own);
}

// ---- registration ------------------------------------------------------------------------

using Scenario = void (*)(benchmark::State&);

benchmark::internal::Benchmark* add(const std::string& name, Scenario scenario) {
  return orchestrix::bench::configure(benchmark::RegisterBenchmark(name.c_str(), scenario));
}

// Registers BM_Bus<name>, BM_NaiveBus<name>, BM_Signals2<name>, BM_FunctionLoop<name>.
// NOLINTBEGIN(bugprone-macro-parentheses): `fn` is a template name; (fn)<Bus> does not parse.
#define ORCHESTRIX_SIDES_(name, fn, settings)                       \
  do {                                                              \
    (settings)(add("BM_Bus" name, (fn<MessageBus>)));               \
    (settings)(add("BM_NaiveBus" name, (fn<NaiveBus>)));            \
    (settings)(add("BM_Signals2" name, (fn<Signals2Bus>)));         \
    (settings)(add("BM_FunctionLoop" name, (fn<FunctionLoopBus>))); \
  } while (false)
// NOLINTEND(bugprone-macro-parentheses)

const bool kRegistered = [] {
  const auto none = [](benchmark::internal::Benchmark* /*b*/) {};
  const auto batch = [](benchmark::internal::Benchmark* b) { b->Arg(100)->Arg(1000); };
  const auto handlers = [](benchmark::internal::Benchmark* b) { b->Arg(5)->Arg(10); };
  const auto payload = [](benchmark::internal::Benchmark* b) { b->Arg(16)->Arg(1024)->Arg(65536); };
  const auto concurrent = [](benchmark::internal::Benchmark* b) {
    b->Arg(10)->Arg(100)->Threads(1)->Threads(2)->UseRealTime();
  };
  ORCHESTRIX_SIDES_("PublishSingle", publish_single, none);
  add("BM_AtomicSpBusPublishSingle", publish_single<AtomicSpBus>);
  ORCHESTRIX_SIDES_("CreateAndPublish", create_and_publish, none);
  ORCHESTRIX_SIDES_("PublishBatch", publish_batch, batch);
  ORCHESTRIX_SIDES_("PublishHandlers", publish_handlers, handlers);
  ORCHESTRIX_SIDES_("PublishPayload", publish_payload, payload);
  ORCHESTRIX_SIDES_("PublishConcurrent", publish_concurrent_shared, concurrent);
  concurrent(add("BM_ControlPublishConcurrent", control_publish_concurrent));
  concurrent(add("BM_AtomicSpBusPublishConcurrent", publish_concurrent_shared<AtomicSpBus>));
  return true;
}();

}  // namespace
