#include "orchestrix/bus/async_message_bus.hpp"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bus_core.hpp"

namespace orchestrix::bus {
namespace detail {
namespace {

// The async core whose worker is running on this thread (nullptr elsewhere).
thread_local const AsyncCore* t_worker_of = nullptr;

}  // namespace

// One worker: a bounded FIFO ring of accepted messages and the thread that drains it. Everything
// except `delivered` is guarded by `mutex`; publishers and the worker share nothing else (the
// counters are per queue, so no cache line is written by every publisher of the bus).
struct alignas(64) WorkerQueue {
  explicit WorkerQueue(std::size_t capacity) : ring(capacity) {}
  std::mutex mutex;
  std::condition_variable not_empty;
  std::condition_variable not_full;
  std::vector<std::unique_ptr<AsyncItem>> ring;
  std::size_t head = 0;  // next to take
  std::size_t count = 0;
  std::size_t blocked = 0;      // publishers waiting for room
  bool worker_waiting = false;  // the worker sleeps on not_empty: publishers must notify
  // Mirrors `count` (written under `mutex`) for the worker's lock-free peek while it lingers.
  std::atomic<std::size_t> pending{0};
  bool stopping = false;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::thread thread;
  // Written by the worker only; on its own line so that it does not share one with `mutex`.
  alignas(64) std::atomic<std::uint64_t> delivered{0};
};

class AsyncCore {
 public:
  AsyncCore(const AsyncBusOptions& options, std::shared_ptr<BusCore> bus)
      : bus_(std::move(bus)), policy_(options.backpressure), capacity_(options.queue_capacity) {
    if (options.workers == 0 || options.queue_capacity == 0) {
      throw std::invalid_argument("AsyncMessageBus needs at least one worker and queue slot");
    }
    queues_.reserve(options.workers);
    for (std::size_t i = 0; i < options.workers; ++i) {
      queues_.push_back(std::make_unique<WorkerQueue>(options.queue_capacity));
    }
    try {
      for (auto& q : queues_) q->thread = std::thread([this, w = q.get()] { run(*w); });
    } catch (...) {
      stop_and_join();
      throw;
    }
  }

  ~AsyncCore() { stop_and_join(); }

  std::size_t workers() const noexcept { return queues_.size(); }

  std::size_t worker_for(std::string_view key) const noexcept {
    return std::hash<std::string_view>{}(key) % queues_.size();
  }

  Completion enqueue(const std::string_view* key, std::unique_ptr<AsyncItem> item) {
    std::size_t w;
    if (key != nullptr) {
      w = worker_for(*key);
    } else if (const std::string& subject = item->ops().metadata(item->message()).subject;
               !subject.empty()) {
      w = worker_for(subject);
    } else {
      thread_local std::size_t round_robin = 0;
      w = round_robin++ % queues_.size();
    }
    Completion completion(item->done);
    WorkerQueue& q = *queues_[w];
    bool wake = false;
    {
      std::unique_lock lock(q.mutex);
      if (q.stopping) throw BusStopped();
      if (q.count == capacity_) {
        if (policy_ == BackpressurePolicy::reject || t_worker_of == this) {
          ++q.rejected;
          throw QueueFull(w, capacity_);
        }
        ++q.blocked;
        q.not_full.wait(lock, [&] { return q.count < capacity_ || q.stopping; });
        --q.blocked;
        if (q.stopping) throw BusStopped();
      }
      q.ring[(q.head + q.count) % capacity_] = std::move(item);
      ++q.count;
      q.pending.store(q.count, std::memory_order_relaxed);
      ++q.accepted;
      wake = q.worker_waiting;
    }
    if (wake) q.not_empty.notify_one();
    return completion;
  }

  void shutdown() {
    if (t_worker_of == this) {
      throw std::logic_error("AsyncMessageBus::shutdown called from one of its own handlers");
    }
    stop_and_join();
  }

  AsyncBusStats stats() const {
    AsyncBusStats s;
    for (const auto& q : queues_) {
      std::lock_guard lock(q->mutex);
      s.queued += q->count;
      s.blocked_publishers += q->blocked;
      s.accepted += q->accepted;
      s.rejected += q->rejected;
      s.delivered += q->delivered.load(std::memory_order_relaxed);
    }
    return s;
  }

 private:
  // Before going to sleep on an empty queue, yield the CPU a few times: a publisher that is
  // about to add more then does so without a futex wake, and the worker avoids a context switch
  // per message (measured: on 2 busy cores, the wake-ups dominated the async profile).
  // Costs an idle worker up to kLingerYields sched_yield calls per burst.
  static constexpr int kLingerYields = 32;
  static void linger(WorkerQueue& q) {
    for (int i = 0; i < kLingerYields && q.pending.load(std::memory_order_relaxed) == 0; ++i) {
      std::this_thread::yield();
    }
  }

  // Takes everything queued at once (one lock round trip per batch, not per message), then
  // delivers the batch in FIFO order.
  void run(WorkerQueue& q) {
    t_worker_of = this;
    std::vector<std::unique_ptr<AsyncItem>> batch;
    batch.reserve(capacity_);
    for (;;) {
      linger(q);
      bool wake_publishers = false;
      {
        std::unique_lock lock(q.mutex);
        while (q.count == 0 && !q.stopping) {
          q.worker_waiting = true;
          q.not_empty.wait(lock);
          q.worker_waiting = false;
        }
        if (q.count == 0) return;  // stopping and drained
        for (std::size_t i = 0; i < q.count; ++i) {
          batch.push_back(std::move(q.ring[(q.head + i) % capacity_]));
        }
        q.head = (q.head + q.count) % capacity_;
        q.count = 0;
        q.pending.store(0, std::memory_order_relaxed);
        wake_publishers = q.blocked > 0;
      }
      if (wake_publishers) q.not_full.notify_all();
      for (auto& item : batch) {
        std::exception_ptr error;
        try {
          item->done->set(bus_->publish(item->message(), item->ops()));
        } catch (...) {
          error = std::current_exception();
        }
        // Fail outside the handler: leaving it drops this thread's hold on the exception
        // object first, so the waiter that takes the completion owns it alone (otherwise the
        // end of the catch could destroy it here while the waiter still reads it).
        if (error) item->done->fail(std::move(error));
        item.reset();
        q.delivered.fetch_add(1, std::memory_order_relaxed);
      }
      batch.clear();
    }
  }

  void stop_and_join() {
    std::lock_guard join_lock(join_mutex_);
    for (auto& q : queues_) {
      {
        std::lock_guard lock(q->mutex);
        q->stopping = true;
      }
      q->not_empty.notify_all();
      q->not_full.notify_all();
    }
    for (auto& q : queues_) {
      if (q->thread.joinable()) q->thread.join();
    }
  }

  std::shared_ptr<BusCore> bus_;
  BackpressurePolicy policy_;
  std::size_t capacity_;
  std::vector<std::unique_ptr<WorkerQueue>> queues_;
  std::mutex join_mutex_;
};

}  // namespace detail

AsyncMessageBus::AsyncMessageBus(AsyncBusOptions options)
    : bus_(BusOptions{options.dead_letters}),
      core_(std::make_unique<detail::AsyncCore>(options, bus_.core())) {}

AsyncMessageBus::~AsyncMessageBus() { core_->shutdown(); }

Completion AsyncMessageBus::enqueue(const std::string_view* key,
                                    std::unique_ptr<detail::AsyncItem> item) {
  return core_->enqueue(key, std::move(item));
}

void AsyncMessageBus::shutdown() { core_->shutdown(); }
std::size_t AsyncMessageBus::worker_count() const noexcept { return core_->workers(); }
std::size_t AsyncMessageBus::worker_for(std::string_view key) const noexcept {
  return core_->worker_for(key);
}
AsyncBusStats AsyncMessageBus::stats() const { return core_->stats(); }

}  // namespace orchestrix::bus
