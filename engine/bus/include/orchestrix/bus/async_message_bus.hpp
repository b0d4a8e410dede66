// orchestrix/bus/async_message_bus.hpp — a message bus that delivers on a pool of worker threads.
//
//   AsyncMessageBus bus({.workers = 2, .queue_capacity = 1024});
//   auto s = bus.subscribe<OrderPlaced>([](const Envelope<OrderPlaced>& m) { ... });
//   Completion done = bus.publish(make_message(OrderPlaced{...}, {.subject = "order-17"}));
//   done.get();   // PublishResult, or rethrows HandlerError
//
// Ordering guarantee: messages with the same key are handled one at a time, in the order their
// publish() calls took effect: if one publish() returned before another began (on the same
// thread, or on another thread that synchronized with it), the first is handled first. The key
// is the envelope's subject (CloudEvents "subject", e.g. the aggregate id) unless publish() is
// given one. Each key maps to one worker (worker_for()), which has AsyncBusOptions::lanes FIFO
// queues; a message's lane comes from its key's hash (LaneChoice::kByKey, the default) or from
// its publishing thread (LaneChoice::kByPublisher, where a per-key slot table carries the order
// across lanes; see LaneChoice). Messages with an empty key carry no ordering guarantee: they
// are spread round-robin over the workers, each publishing thread using a lane of its own.
// Messages with different keys may run concurrently on different workers; a worker visits its
// lanes in turn, so keys in different lanes of one worker are not handled in any particular
// order relative to each other (kByPublisher: except where keys share a slot, which keeps
// their messages in publish order together).
//
// Delivery: a worker delivers a message exactly like MessageBus::publish on its thread (handler
// order, isolation, HandlerError when all fail, dead letters when some fail); the outcome goes
// to the message's Completion. Handlers therefore run on worker threads and must be thread safe
// if they share state and there is more than one worker.
//
// Backpressure: each lane holds at most queue_capacity / lanes messages (rounded down) waiting
// for the worker (the worker takes one message off a lane, then delivers it: at most one more is
// in delivery per worker). When the target lane is full, BackpressurePolicy::kBlock waits for
// room, and ::kReject throws QueueFull at once. A handler running on one of this bus's workers
// never blocks on a full lane (its own worker could be the one that must make room): it gets
// QueueFull under either policy.
//
// Shutdown: shutdown() (also run by the destructor) stops accepting (later publishes throw
// BusStopped, and so do publishers blocked on a full queue at that moment), lets the workers
// finish every message already accepted, and joins them. Every accepted message's Completion
// becomes ready. REQUIRES: not called from a handler running on this bus's workers (throws
// orchestrix::UsageError instead of deadlocking).
//
// Threading: all members may be called from any thread at once (except as noted for shutdown).
// No lock is taken on the publish or delivery path (except kByPublisher's shared last lane, see
// LaneChoice): each lane is a bounded lock-free ring (publishers claim a slot with one
// compare-exchange on the lane's tail, then fill it). A publisher preempted between claim and
// fill never blocks other publishers; the worker waits for that slot (yielding), since later
// slots of the lane (and, kByPublisher, messages recorded after it) are ordered after it.
// Publishers to different lanes share no written memory but kByPublisher's slot table: the
// lane's tail is the one line that all publishers of a lane write, and each publish moves it to
// the publisher's CPU. More lanes therefore let publishers of different keys on several threads
// scale (docs/message-bus.md). A worker is woken (a futex syscall) only when it was asleep;
// before sleeping it yields the CPU up to 32 times, so a steady stream of messages wakes it
// rarely. A publisher blocked on a full lane (block policy) sleeps on a futex.
//
// Memory cost: per worker, 64 bytes per queue slot (lanes * (queue_capacity / lanes) of them),
// 72 bytes per lane (its tail, on a line of its own, and the worker's position), under
// kByPublisher 8 bytes per key slot (key_slots of them), and a 320-byte control block (five cache
// lines, so that publishers and the worker do not share written lines), plus a thread. Per publish,
// ONE block holding the moved envelope and the Completion's 32-byte state; it is freed once the
// message was delivered and its Completion consumed or destroyed (see Completion), usually on the
// publishing thread. Rings, control blocks and message blocks come from AsyncBusOptions::memory
// (default: the default pmr resource), so a BudgetResource there caps them: a publish the budget
// refuses throws its BudgetExceeded (a std::bad_alloc) and queues nothing.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <memory_resource>
#include <new>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

#include "orchestrix/bus/message_bus.hpp"

namespace orchestrix::bus {

enum class BackpressurePolicy : std::uint8_t { kBlock, kReject };

// How a message picks its lane among the worker's AsyncBusOptions::lanes.
//   kByKey:       from its key's hash. One key's messages share a lane, whose FIFO order keeps
//                 them in publish order. Publishers write a common line only where their keys
//                 share a lane.
//   kByPublisher: the lane of the publishing thread. The first lanes - 1 threads that publish
//                 on the bus get a lane each, for the bus's lifetime (a lane is not handed on
//                 when its thread exits); later threads share the last lane and publish into
//                 it under a lock. One key's order across threads is kept by a table of
//                 key_slots slots per worker: a publish records its lane and position in its
//                 key's slot, and the worker delivers the message recorded before it first.
//                 Keys of one slot are kept in order together. Publishers write a common line
//                 only where their keys share a line of slots (8 per line) or they share a
//                 lane. Costs one exchange on the slot per publish. Worker threads whose
//                 handlers publish count as publishing threads. A thread remembers its lanes on
//                 its last 4 kByPublisher buses; one that rotates over more takes a new lane
//                 (and soon the shared one) when it comes back. Backpressure bounds each
//                 thread's messages waiting per worker (queue_capacity / lanes).
enum class LaneChoice : std::uint8_t { kByKey, kByPublisher };

struct AsyncBusOptions {
  std::size_t workers = 2;            // worker threads (at least 1)
  std::size_t queue_capacity = 1024;  // messages per worker, split evenly over its lanes
  // FIFO queues per worker (at least 1, at most queue_capacity). A key keeps to one lane;
  // publishers of keys in different lanes write no common cache line, so more lanes let
  // publishers of different keys on several threads scale, at the cost of a smaller bound per
  // lane and a scan of the lanes by the worker (see docs/message-bus.md).
  std::size_t lanes = 1;
  LaneChoice lane_choice = LaneChoice::kByKey;
  // Slots per worker of the kByPublisher order table (8 bytes each; unused by kByKey).
  std::size_t key_slots = 4096;
  BackpressurePolicy backpressure = BackpressurePolicy::kBlock;
  DeadLetterOptions dead_letters{};
  // Where the worker rings and every accepted message's block (the moved envelope plus 32 bytes
  // of completion state) live; nullptr = std::pmr::get_default_resource() as it is when the bus
  // is constructed. Blocks are allocated on publishing threads and freed on publishing or
  // worker threads, so the resource must be thread safe, and it must outlive the bus and every
  // Completion. What the message's own members allocate (a long subject, a body's containers)
  // comes from their own allocators; subscriptions and worker threads use the global heap.
  std::pmr::memory_resource* memory = nullptr;
  // Called on each worker thread, with the worker's index (0 .. workers - 1), before it takes
  // its first message: to pin the worker to a CPU, name the thread, set its priority. Must not
  // throw (a worker thread that throws here calls std::terminate, as std::thread does). Empty:
  // nothing is called.
  std::function<void(std::size_t worker)> on_worker_start{};
};

// Counters of an async bus; a consistent-enough snapshot for monitoring (each field is read
// separately).
struct AsyncBusStats {
  std::size_t queued = 0;              // accepted, not yet taken by a worker (excludes the
                                       // message each worker is delivering)
  std::size_t blocked_publishers = 0;  // publish() calls waiting for room right now
  std::uint64_t accepted = 0;          // since construction
  std::uint64_t rejected = 0;          // QueueFull thrown
  std::uint64_t delivered = 0;         // completions made ready (counted just after each one
                                       // becomes ready, so it may briefly lag a waiter)
};

namespace detail {
class AsyncCore;

// One accepted message: its envelope and its outcome, shared by the worker queue and the
// Completion through an intrusive count of two. Whichever side lets go last destroys it: the
// publisher's thread when it consumed or dropped the Completion after delivery (the common case,
// so the memory goes back to the allocator cache of the thread that allocated it), the worker's
// when the Completion was dropped first.
//
// `state_` is kPending, kWaited (pending, and a thread is or may be blocked in wait()) or
// kReady. The worker wakes waiters (a futex syscall) only if the state was kWaited: libstdc++
// 12's atomic notify_all always makes the syscall, which profiling showed dominating.
class AsyncItem {
 public:
  static constexpr std::uint32_t kPending = 0, kWaited = 1, kReady = 2;
  // wait() yields the CPU this many times before sleeping on a futex: on a machine with fewer
  // cores than busy threads that lets the worker run instead of paying for a sleep and a wake.
  static constexpr int kWaitYields = 32;

  AsyncItem(const AsyncItem&) = delete;
  AsyncItem& operator=(const AsyncItem&) = delete;
  virtual const void* message() const noexcept = 0;
  virtual const MessageOps& ops() const noexcept = 0;

  void set(PublishResult r) noexcept {
    result_ = r;
    publish();
  }
  void fail(std::exception_ptr e) noexcept {
    error_ = std::move(e);
    publish();
  }
  bool ready() const noexcept { return state_.load(std::memory_order_acquire) == kReady; }
  void wait() noexcept {
    for (int i = 0; i < kWaitYields && !ready(); ++i) std::this_thread::yield();
    std::uint32_t s = state_.load(std::memory_order_acquire);
    while (s != kReady) {
      if (s == kPending && !state_.compare_exchange_weak(s, kWaited, std::memory_order_acquire)) {
        continue;  // s reloaded
      }
      state_.wait(kWaited, std::memory_order_acquire);
      s = state_.load(std::memory_order_acquire);
    }
  }
  // REQUIRES: ready().
  const PublishResult& result() const noexcept { return result_; }
  const std::exception_ptr& error() const noexcept { return error_; }
  // Drops one of the two references; the last one deletes the item.
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy();
  }
  // Destroys the item and gives its block back to the resource it came from.
  virtual void destroy() noexcept = 0;

 protected:
  AsyncItem() = default;
  ~AsyncItem() = default;

 private:
  void publish() noexcept {
    if (state_.exchange(kReady, std::memory_order_acq_rel) == kWaited) state_.notify_all();
  }

  std::atomic<std::uint32_t> state_{kPending};
  std::atomic<std::uint32_t> refs_{2};
  PublishResult result_;
  std::exception_ptr error_;
};

template <MessageBody T>
// Its destructor is private: an item is destroyed only by destroy(), which also frees its memory.
// NOLINTNEXTLINE(cppcoreguidelines-virtual-class-destructor): see above.
class TypedAsyncItem final : public AsyncItem {
 public:
  TypedAsyncItem(std::pmr::memory_resource* memory, Envelope<T>&& m)
      : memory_(memory), message_(std::move(m)) {}
  const void* message() const noexcept override { return &message_; }
  const MessageOps& ops() const noexcept override { return message_ops<T>; }

  void destroy() noexcept override {
    std::pmr::memory_resource* memory = memory_;
    this->~TypedAsyncItem();
    memory->deallocate(this, sizeof(TypedAsyncItem), alignof(TypedAsyncItem));
  }

 private:
  ~TypedAsyncItem() = default;
  std::pmr::memory_resource* memory_;
  Envelope<T> message_;
};

struct AsyncItemDeleter {
  void operator()(AsyncItem* item) const noexcept { item->destroy(); }
};
// Owns an item not yet handed to a queue.
using AsyncItemPtr = std::unique_ptr<AsyncItem, AsyncItemDeleter>;

// Allocates the block for one message from `memory` and moves the message in.
template <MessageBody T>
AsyncItemPtr make_async_item(std::pmr::memory_resource* memory, Envelope<T>&& message) {
  using Item = TypedAsyncItem<T>;
  void* block = memory->allocate(sizeof(Item), alignof(Item));
  try {
    return AsyncItemPtr(::new (block) Item(memory, std::move(message)));
  } catch (...) {
    memory->deallocate(block, sizeof(Item), alignof(Item));
    throw;
  }
}
}  // namespace detail

// The outcome of one async publish. Move-only; get() may be called once. Cheaper than a
// std::future: it shares one heap block with the queued message (no separate shared state) and
// waiting costs a futex syscall only when the result is not ready yet.
//
// Memory: the message (envelope and body) stays allocated until it has been delivered AND its
// Completion was consumed by get(), destroyed or assigned over; drop Completions you do not need.
class Completion {
 public:
  Completion() = default;
  Completion(Completion&& other) noexcept : item_(std::exchange(other.item_, nullptr)) {}
  Completion& operator=(Completion&& other) noexcept {
    if (this != &other) {
      reset();
      item_ = std::exchange(other.item_, nullptr);
    }
    return *this;
  }
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;
  ~Completion() { reset(); }

  // False for a default-constructed, moved-from or already-consumed Completion.
  bool valid() const noexcept { return item_ != nullptr; }
  // True once a worker has delivered the message. REQUIRES: valid().
  bool ready() const noexcept { return item_->ready(); }
  // Blocks until delivered (yields up to 32 times, then sleeps on a futex). REQUIRES: valid().
  void wait() const noexcept { item_->wait(); }
  // Waits at most `timeout` (polling with a backoff from 10 us to 1 ms, so it may overshoot by
  // that much); true when delivered. A timeout past the steady clock's range (such as
  // nanoseconds::max(), the usual "wait forever") waits with no deadline. REQUIRES: valid().
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    // Compared in floating seconds, which hold any duration without overflow.
    using Seconds = std::chrono::duration<long double>;
    const Clock::time_point deadline =
        Seconds(timeout) >= Seconds(Clock::time_point::max() - start)
            ? Clock::time_point::max()
            : start + std::chrono::duration_cast<Clock::duration>(timeout);
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
    const Completion consumed(std::move(*this));  // releases the item on the way out
    if (consumed.item_->error()) std::rethrow_exception(consumed.item_->error());
    return consumed.item_->result();
  }

 private:
  friend class detail::AsyncCore;
  // Adopts one of the item's two references.
  explicit Completion(detail::AsyncItem* item) noexcept : item_(item) {}
  void reset() noexcept {
    if (item_ != nullptr) std::exchange(item_, nullptr)->release();
  }

  detail::AsyncItem* item_ = nullptr;
};

class AsyncMessageBus {
 public:
  // Starts the workers. Throws std::system_error if a thread cannot start (none is left
  // running), orchestrix::InvalidArgument if workers or lanes is 0, queue_capacity < lanes, or
  // (LaneChoice::kByPublisher) key_slots is 0 or lanes >= 32768.
  explicit AsyncMessageBus(const AsyncBusOptions& options = {});
  // Runs shutdown(); so destroying the bus from one of its own handlers ends the program
  // (std::terminate on the UsageError), as a contract violation should.
  // NOLINTNEXTLINE(bugprone-exception-escape): see above.
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
    return enqueue(nullptr, detail::make_async_item(memory_, std::move(message)));
  }
  // Same, with an explicit ordering key instead of the subject.
  template <MessageBody T>
  [[nodiscard("wait on or drop the Completion")]] Completion publish(Envelope<T> message,
                                                                     std::string_view key) {
    return enqueue(&key, detail::make_async_item(memory_, std::move(message)));
  }

  // Stops accepting, drains every accepted message, joins the workers. Idempotent. Throws
  // orchestrix::UsageError (and does nothing) when called from a handler on this bus's workers.
  void shutdown();

  std::size_t worker_count() const noexcept;
  // The worker that messages with this key go to (for tests and diagnostics).
  std::size_t worker_for(std::string_view key) const noexcept;
  std::size_t lane_count() const noexcept;
  // The lane of worker_for(key) that messages with this key go to (for tests and diagnostics).
  // Under LaneChoice::kByPublisher: the calling thread's lane whatever the key (assigned by this
  // call if the thread has none on this bus yet, as its first publish would).
  std::size_t lane_for(std::string_view key) const noexcept;
  AsyncBusStats stats() const;

  DeadLetterQueue& dead_letters() noexcept { return bus_.dead_letters(); }
  // The synchronous bus the workers deliver through (handlers, dead letters, redrive).
  MessageBus& sync_bus() noexcept { return bus_; }
  // The resource the rings and message blocks come from.
  std::pmr::memory_resource* memory() const noexcept { return memory_; }

 private:
  // `key` null: use the queued message's subject.
  Completion enqueue(const std::string_view* key, detail::AsyncItemPtr item);

  std::pmr::memory_resource* memory_;
  MessageBus bus_;
  std::unique_ptr<detail::AsyncCore> core_;
};

}  // namespace orchestrix::bus
