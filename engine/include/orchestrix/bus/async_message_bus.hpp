// orchestrix/bus/async_message_bus.hpp — a message bus that delivers on a pool of worker threads.
//
//   AsyncMessageBus bus({.workers = 2, .queue_capacity = 1024});
//   auto s = bus.subscribe<OrderPlaced>([](const Envelope<OrderPlaced>& m) { ... });
//   Completion done = bus.publish(make_message(OrderPlaced{...}, {.subject = "order-17"}));
//   done.get();   // PublishResult, or rethrows HandlerError
//
// Ordering guarantee: messages with the same key are handled one at a time, in the order their
// publish() calls returned (for publishes on one thread: program order). The key is the
// envelope's subject (CloudEvents "subject", e.g. the aggregate id) unless publish() is given
// one. Each key maps to one worker (hash of the key modulo the worker count); each worker has one
// FIFO queue. Messages with an empty key are spread round-robin over the workers and carry no
// ordering guarantee. Messages with different keys may run concurrently on different workers.
//
// Delivery: a worker delivers a message exactly like MessageBus::publish on its thread (handler
// order, isolation, HandlerError when all fail, dead letters when some fail); the outcome goes
// to the message's Completion. Handlers therefore run on worker threads and must be thread safe
// if they share state and there is more than one worker.
//
// Backpressure: each worker's queue holds at most queue_capacity messages waiting for the worker.
// (The worker takes everything waiting at once and then delivers that batch, so up to another
// queue_capacity messages may be in delivery.) When the target queue is full,
// BackpressurePolicy::block waits for room, and ::reject throws QueueFull at once. A handler
// running on one of this bus's workers never blocks on a full queue (its own worker could be the
// one that must make room): it gets QueueFull under either policy.
//
// Shutdown: shutdown() (also run by the destructor) stops accepting (later publishes throw
// BusStopped, and so do publishers blocked on a full queue at that moment), lets the workers
// finish every message already accepted, and joins them. Every accepted message's Completion
// becomes ready. REQUIRES: not called from a handler running on this bus's workers (throws
// std::logic_error instead of deadlocking).
//
// Threading: all members may be called from any thread at once (except as noted for shutdown).
// publish() takes the target worker's queue mutex; publishers to different workers do not
// share a lock, and no counter is shared by all publishers. A worker takes its queue's mutex
// once per batch, and is woken (a futex syscall) only when it was idle; before going idle it
// yields the CPU up to 32 times, so a steady stream of messages wakes it rarely. Costs per publish:
// one move of the envelope into a heap node, one shared state for the Completion (both global
// heap), and one lock of the target queue's mutex.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

#include "orchestrix/bus/message_bus.hpp"

namespace orchestrix::bus {

enum class BackpressurePolicy : std::uint8_t { block, reject };

struct AsyncBusOptions {
  std::size_t workers = 2;            // worker threads (at least 1)
  std::size_t queue_capacity = 1024;  // messages per worker queue (at least 1)
  BackpressurePolicy backpressure = BackpressurePolicy::block;
  DeadLetterOptions dead_letters{};
};

// Counters of an async bus; a consistent-enough snapshot for monitoring (each field is read
// separately).
struct AsyncBusStats {
  std::size_t queued = 0;              // accepted, not yet taken by a worker (excludes batches
                                       // being delivered)
  std::size_t blocked_publishers = 0;  // publish() calls waiting for room right now
  std::uint64_t accepted = 0;          // since construction
  std::uint64_t rejected = 0;          // QueueFull thrown
  std::uint64_t delivered = 0;         // completions made ready
};

namespace detail {
// The shared state between a queued message and its Completion: the outcome, published once by
// the worker. `state` is kPending, kWaited (pending, and a thread is or may be blocked in
// wait()) or kReady. The worker wakes waiters (a futex syscall) only if the state was kWaited:
// libstdc++ 12's atomic notify_all always makes the syscall, which profiling showed dominating.
struct CompletionState {
  static constexpr std::uint32_t kPending = 0, kWaited = 1, kReady = 2;
  std::atomic<std::uint32_t> state{kPending};
  PublishResult result;
  std::exception_ptr error;

  void set(PublishResult r) noexcept {
    result = r;
    publish();
  }
  void fail(std::exception_ptr e) noexcept {
    error = std::move(e);
    publish();
  }
  void publish() noexcept {
    if (state.exchange(kReady, std::memory_order_acq_rel) == kWaited) state.notify_all();
  }
  bool ready() const noexcept { return state.load(std::memory_order_acquire) == kReady; }
  void wait() noexcept {
    std::uint32_t s = state.load(std::memory_order_acquire);
    while (s != kReady) {
      if (s == kPending && !state.compare_exchange_weak(s, kWaited, std::memory_order_acquire)) {
        continue;  // s reloaded
      }
      state.wait(kWaited, std::memory_order_acquire);
      s = state.load(std::memory_order_acquire);
    }
  }
};
}  // namespace detail

// The outcome of one async publish. Move-only; get() may be called once. Cheaper than a
// std::future (which costs libstdc++ a call_once, i.e. a futex syscall, per result).
class Completion {
 public:
  Completion() = default;
  explicit Completion(std::shared_ptr<detail::CompletionState> state) noexcept
      : state_(std::move(state)) {}
  Completion(Completion&&) noexcept = default;
  Completion& operator=(Completion&&) noexcept = default;
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;

  // False for a default-constructed or already-consumed Completion.
  bool valid() const noexcept { return state_ != nullptr; }
  // True once a worker has delivered the message. REQUIRES: valid().
  bool ready() const noexcept { return state_->ready(); }
  // Blocks until delivered. REQUIRES: valid().
  void wait() const noexcept { state_->wait(); }
  // Waits at most `timeout` (polling with a backoff from 10 us to 1 ms, so it may overshoot by
  // that much); true when delivered. REQUIRES: valid().
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::chrono::microseconds pause{10};
    while (!ready()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
      pause = std::min(pause * 2, std::chrono::microseconds{1000});
    }
    return true;
  }
  // Waits, then returns what the delivery did, or rethrows HandlerError (every handler failed)
  // or NestingTooDeep. Consumes the Completion (valid() becomes false). REQUIRES: valid().
  PublishResult get() {
    wait();
    const std::shared_ptr<detail::CompletionState> state = std::move(state_);
    if (state->error) std::rethrow_exception(state->error);
    return state->result;
  }

 private:
  std::shared_ptr<detail::CompletionState> state_;
};

namespace detail {
class AsyncCore;

// One accepted message waiting in a worker queue.
class AsyncItem {
 public:
  virtual ~AsyncItem() = default;
  virtual const void* message() const noexcept = 0;
  virtual const MessageOps& ops() const noexcept = 0;
  std::shared_ptr<CompletionState> done = std::make_shared<CompletionState>();
};

template <MessageBody T>
class TypedAsyncItem final : public AsyncItem {
 public:
  explicit TypedAsyncItem(Envelope<T>&& m) : message_(std::move(m)) {}
  const void* message() const noexcept override { return &message_; }
  const MessageOps& ops() const noexcept override { return message_ops<T>; }

 private:
  Envelope<T> message_;
};
}  // namespace detail

class AsyncMessageBus {
 public:
  // Starts the workers. Throws std::system_error if a thread cannot start (none is left
  // running), std::invalid_argument if workers or queue_capacity is 0.
  explicit AsyncMessageBus(AsyncBusOptions options = {});
  // Runs shutdown().
  ~AsyncMessageBus();
  AsyncMessageBus(const AsyncMessageBus&) = delete;
  AsyncMessageBus& operator=(const AsyncMessageBus&) = delete;

  // As MessageBus::subscribe; the handler is called on worker threads.
  template <MessageBody T, class F>
  requires HandlerFor<std::decay_t<F>, T>
  [[nodiscard]] Subscription subscribe(F&& handler) {
    return bus_.subscribe<T>(std::forward<F>(handler));
  }

  // Queues `message` for delivery, keyed by its subject. Throws QueueFull or BusStopped (then
  // nothing was queued), std::bad_alloc.
  template <MessageBody T>
  [[nodiscard("wait on or drop the Completion")]] Completion publish(Envelope<T> message) {
    return enqueue(nullptr, std::make_unique<detail::TypedAsyncItem<T>>(std::move(message)));
  }
  // Same, with an explicit ordering key instead of the subject.
  template <MessageBody T>
  [[nodiscard("wait on or drop the Completion")]] Completion publish(Envelope<T> message,
                                                                     std::string_view key) {
    return enqueue(&key, std::make_unique<detail::TypedAsyncItem<T>>(std::move(message)));
  }

  // Stops accepting, drains every accepted message, joins the workers. Idempotent.
  void shutdown();

  std::size_t worker_count() const noexcept;
  // The worker that messages with this key go to (for tests and diagnostics).
  std::size_t worker_for(std::string_view key) const noexcept;
  AsyncBusStats stats() const;

  DeadLetterQueue& dead_letters() noexcept { return bus_.dead_letters(); }
  // The synchronous bus the workers deliver through (handlers, dead letters, redrive).
  MessageBus& sync_bus() noexcept { return bus_; }

 private:
  // `key` null: use the queued message's subject.
  Completion enqueue(const std::string_view* key, std::unique_ptr<detail::AsyncItem> item);

  MessageBus bus_;
  std::unique_ptr<detail::AsyncCore> core_;
};

}  // namespace orchestrix::bus
