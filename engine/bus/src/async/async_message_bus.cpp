#include "orchestrix/bus/async_message_bus.hpp"

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory_resource>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "async/key_slots.hpp"
#include "async/mpsc_rings.hpp"
#include "common/bus_core.hpp"

namespace orchestrix::bus {
namespace detail {
namespace {

// The async core whose worker is running on this thread (nullptr elsewhere).
thread_local const AsyncCore* t_worker_of = nullptr;

}  // namespace

// Hands out one lane index per publishing thread for messages without a key (no order to keep),
// so that two threads publishing such messages do not write the same lane.
std::atomic<std::size_t> next_unkeyed_lane{0};

// Tells buses apart in the per-thread lane cache below (an address could be reused).
std::atomic<std::uint64_t> next_bus_id{1};

// LaneChoice::kByPublisher: the lanes this thread publishes into, for the last few buses.
struct PublisherLane {
  std::uint64_t bus = 0;
  std::size_t lane = 0;
};
constexpr std::size_t kLaneCache = 4;
thread_local PublisherLane t_publisher_lanes[kLaneCache];
thread_local std::size_t t_publisher_evict = 0;

// What a lane's cell carries: the message, and under LaneChoice::kByPublisher the message of
// the same key slot to deliver first (KeySlots::kNone otherwise).
struct Entry {
  AsyncItem* item = nullptr;
  std::uint64_t dep = KeySlots::kNone;
};
using Rings = MpscRings<Entry>;

// One worker: `lanes` bounded multi-producer single-consumer rings of `lane_capacity` cells
// (mpsc_rings.hpp: publishers claim a position with one compare-exchange on the lane's tail,
// fill the cell and publish it; the worker takes positions in order) and the thread that
// drains them. A publisher preempted in a lock-free lane never blocks another publisher.
// Claim order in a lane is a total order consistent with happens-before. Under kByKey a key
// always maps to the same lane, so two publishes of one key on different threads keep their
// order; under kByPublisher the slot table carries that order across lanes (see take()).
// Publishers of different lanes write no common line but the slots.
struct Worker {
  Worker(std::size_t lane_count, std::size_t lane_capacity, std::size_t key_slots,
         std::pmr::memory_resource* memory)
      : rings(lane_count, lane_capacity, memory), slots(key_slots, memory) {}
  // Claimed by publishers, closed by shutdown, consumed by the worker (heads read by stats()).
  Rings rings;
  // LaneChoice::kByPublisher (empty otherwise): per key slot, the lane and position of the last
  // message published with a key of that slot.
  KeySlots slots;
  // Written by the worker only.
  alignas(64) std::atomic<std::uint64_t> delivered{0};
  // 1 while the worker sleeps (or is about to): a publisher that fills a cell must wake it.
  alignas(64) std::atomic<std::uint32_t> sleeping{0};
  // Slow path (full lane under the block policy): publishers waiting for room, and a counter
  // the worker bumps (and notifies) when it made room while some were waiting.
  alignas(64) std::atomic<std::size_t> blocked{0};
  std::atomic<std::uint32_t> room{0};
  std::atomic<std::uint64_t> rejected{0};
  std::thread thread;
};

// The header's memory-cost comment quotes this size (x86-64, libstdc++).
static_assert(sizeof(void*) != 8 || sizeof(Worker) == 320);

class AsyncCore {
 public:
  AsyncCore(const AsyncBusOptions& options, std::pmr::memory_resource* memory,
            std::shared_ptr<BusCore> bus)
      : bus_(std::move(bus)),
        policy_(options.backpressure),
        by_publisher_(options.lane_choice == LaneChoice::kByPublisher),
        lanes_(options.lanes),
        lane_capacity_(options.lanes == 0 ? 0 : options.queue_capacity / options.lanes),
        key_slots_(by_publisher_ ? options.key_slots : 0),
        workers_(memory) {
    if (options.workers == 0 || options.lanes == 0 || lane_capacity_ == 0) {
      throw InvalidArgument(
          "AsyncMessageBus needs at least one worker, one lane, and queue_capacity >= lanes");
    }
    if (by_publisher_ && (key_slots_ == 0 || lanes_ >= (std::size_t{1} << 15))) {
      throw InvalidArgument(
          "AsyncMessageBus with kByPublisher needs a key slot and fewer than 32768 lanes");
    }
    workers_.reserve(options.workers);
    for (std::size_t i = 0; i < options.workers; ++i) {
      std::pmr::polymorphic_allocator<> alloc(memory);
      workers_.emplace_back(alloc.new_object<Worker>(lanes_, lane_capacity_, key_slots_, memory),
                            WorkerDeleter{memory});
    }
    try {
      for (std::size_t i = 0; i < workers_.size(); ++i) {
        workers_[i]->thread = std::thread(
            [this, w = workers_[i].get(), i, start = options.on_worker_start]() noexcept {
              if (start) start(i);
              run(*w);
            });
      }
    } catch (...) {
      stop_and_join();
      throw;
    }
  }

  ~AsyncCore() { stop_and_join(); }

  std::size_t workers() const noexcept { return workers_.size(); }
  std::size_t lanes() const noexcept { return lanes_; }

  // A key's hash picks its worker (modulo the worker count) and, from what remains, its lane.
  std::size_t worker_for(std::string_view key) const noexcept {
    return std::hash<std::string_view>{}(key) % workers_.size();
  }
  std::size_t lane_for(std::string_view key) const noexcept {
    if (by_publisher_) return publisher_lane();
    return std::hash<std::string_view>{}(key) / workers_.size() % lanes_;
  }

  Completion enqueue(const std::string_view* key, AsyncItemPtr item) {
    std::size_t w = 0;
    std::size_t l = 0;
    KeySlots::Slot* slot = nullptr;  // kByPublisher, keyed messages only
    std::string_view k;
    if (key != nullptr) {
      k = *key;
    } else {
      k = item->ops().metadata(item->message()).subject;
    }
    if (!k.empty() || key != nullptr) {
      const std::size_t h = std::hash<std::string_view>{}(k);
      w = h % workers_.size();
      if (by_publisher_) {
        l = publisher_lane();
        slot = &workers_[w]->slots[h / workers_.size() % key_slots_];
      } else {
        l = h / workers_.size() % lanes_;
      }
    } else {
      thread_local std::size_t round_robin = 0;
      thread_local const std::size_t own_lane =
          next_unkeyed_lane.fetch_add(1, std::memory_order_relaxed);
      w = round_robin++ % workers_.size();
      l = by_publisher_ ? publisher_lane() : own_lane % lanes_;
    }
    Worker& q = *workers_[w];
    // kByPublisher: the last lane is shared by the threads that came after the others were
    // taken. They claim and record the dependency under a lock, so that the lane's order is the
    // order of their slot writes (see take()). The lock is never held while waiting for room.
    const bool shared_lane = by_publisher_ && l == lanes_ - 1;
    std::unique_lock<std::mutex> lock(shared_lane_mutex_, std::defer_lock);
    std::uint64_t pos = 0;
    for (;;) {
      if (shared_lane) lock.lock();
      const Claim claim = q.rings.try_claim(l, pos);
      if (claim == Claim::kClaimed) break;
      if (shared_lane) lock.unlock();
      if (claim == Claim::kStopped) throw BusStopped();
      // Full: the cell still holds (or is being filled with) the message one lap back.
      if (policy_ == BackpressurePolicy::kReject || t_worker_of == this) {
        q.rejected.fetch_add(1, std::memory_order_relaxed);
        throw QueueFull(w, lane_capacity_);
      }
      wait_for_room(q, l);  // throws BusStopped if shutdown begins meanwhile
    }
    Entry& entry = q.rings.at(l, pos);
    // Record where the previous message of this key slot went; the worker delivers that one
    // first. Done after the claim: a claim that fails (shutdown) must leave no record.
    entry.dep = slot == nullptr ? KeySlots::kNone : KeySlots::record(*slot, l, pos);
    if (shared_lane) lock.unlock();
    entry.item = item.release();
    Completion completion(entry.item);
    q.rings.publish(l, pos);
    if (q.sleeping.load(std::memory_order_seq_cst) != 0) wake(q);
    return completion;
  }

  // The lane this thread publishes into under LaneChoice::kByPublisher: the i-th thread to
  // publish gets lane i while i < lanes - 1; later threads share the last lane.
  std::size_t publisher_lane() const noexcept {
    for (const PublisherLane& entry : t_publisher_lanes) {
      if (entry.bus == id_) return entry.lane;
    }
    const std::size_t index = next_publisher_.fetch_add(1, std::memory_order_relaxed);
    const std::size_t lane = index < lanes_ - 1 ? index : lanes_ - 1;
    t_publisher_lanes[t_publisher_evict++ % kLaneCache] = {id_, lane};
    return lane;
  }

  void shutdown() {
    if (t_worker_of == this) {
      throw UsageError("AsyncMessageBus::shutdown called from one of its own handlers");
    }
    stop_and_join();
  }

  AsyncBusStats stats() const {
    AsyncBusStats s;
    for (const auto& q : workers_) {
      for (std::size_t l = 0; l < lanes_; ++l) {
        const std::uint64_t head = q->rings.head(l);
        const std::uint64_t tail = Rings::position(q->rings.tail(l, std::memory_order_relaxed));
        s.queued += static_cast<std::size_t>(tail > head ? tail - head : 0);
        s.accepted += tail;
      }
      s.blocked_publishers += q->blocked.load(std::memory_order_relaxed);
      s.rejected += q->rejected.load(std::memory_order_relaxed);
      s.delivered += q->delivered.load(std::memory_order_relaxed);
    }
    return s;
  }

 private:
  // Before going to sleep with every lane empty, yield the CPU a few times: a publisher that is
  // about to add more then does so without a futex wake, and the worker avoids a context switch
  // per message (measured: on 2 busy cores, the wake-ups dominated the async profile).
  // Costs an idle worker up to kLingerYields sched_yield calls (and lane scans) per burst.
  static constexpr int kLingerYields = 32;

  static void notify_room(Worker& q) {
    q.room.fetch_add(1, std::memory_order_seq_cst);
    q.room.notify_all();
  }

  static void wake(Worker& q) {
    if (q.sleeping.exchange(0, std::memory_order_seq_cst) != 0) q.sleeping.notify_one();
  }

  // Blocks until the cell at the lane's current tail is free again or shutdown began
  // (BusStopped).
  void wait_for_room(Worker& q, std::size_t l) {
    q.blocked.fetch_add(1, std::memory_order_seq_cst);
    struct Unblock {
      Worker& q;
      ~Unblock() { q.blocked.fetch_sub(1, std::memory_order_relaxed); }
    } unblock{q};
    for (;;) {
      const std::uint32_t round = q.room.load(std::memory_order_seq_cst);
      const std::uint64_t tail = q.rings.tail(l, std::memory_order_seq_cst);
      if (Rings::closed(tail)) throw BusStopped();
      if (q.rings.room_at(l, tail, std::memory_order_seq_cst)) return;
      q.room.wait(round, std::memory_order_seq_cst);
    }
  }

  // The worker: visits the lanes in turn, taking what is ready in each; frees each cell before
  // delivering its message (so a lane holds at most lane_capacity messages waiting, plus the one
  // in delivery); sleeps when no lane has anything ready; returns once shutdown began and every
  // claimed position of every lane was delivered.
  void run(Worker& q) {
    t_worker_of = this;
    std::size_t next = 0;
    for (;;) {
      bool took = false;
      for (std::size_t n = 0; n < lanes_; ++n) {
        took = drain(q, next) || took;
        if (++next == lanes_) next = 0;
      }
      if (took) continue;
      if (closed_and_drained(q)) return;
      if (linger(q)) continue;
      // Announce the sleep, then look at every lane's tail again. Store and loads are seq_cst,
      // as are a publisher's claim and its later look at `sleeping`, and so is shutdown's close
      // followed by its wake: either we see the claim (or the close) here, or they see the
      // announcement and wake us. A claimed cell may not be filled yet, and its publisher may
      // have looked at `sleeping` before the announcement: then we do not sleep but go round
      // again (yielding in linger()) until it is filled.
      q.sleeping.store(1, std::memory_order_seq_cst);
      if (!empty_and_open(q)) {
        q.sleeping.store(0, std::memory_order_relaxed);
        continue;
      }
      // Every lane is empty: every cell is free. A read-modify-write of `blocked` reads its
      // latest value: if it misses wait_for_room's increment, that increment reads from it and
      // so sees our frees; a publisher blocked on a cell we freed is woken either way.
      if (q.blocked.fetch_add(0, std::memory_order_seq_cst) != 0) notify_room(q);
      q.sleeping.wait(1, std::memory_order_seq_cst);
    }
  }

  // Takes and delivers the messages ready at lane `l`'s head in order, at most one lap of it (so
  // that a busy lane cannot starve the others). True if it took any.
  bool drain(Worker& q, std::size_t l) {
    std::uint64_t head = q.rings.head(l);
    const std::uint64_t end = head + lane_capacity_;
    bool took = false;
    for (; head != end; ++head) {
      if (!q.rings.filled(l, head)) break;
      take(q, l, head);
      took = true;
    }
    return took;
  }

  // Takes the filled message at position `head` of lane `l` (the lane's next) and delivers it;
  // first, under LaneChoice::kByPublisher, the message it depends on (the previous one of its
  // key slot) if that one sits undelivered in another lane.
  //
  // Why this cannot deadlock: a message's dependency was recorded by a slot write (a seq_cst
  // exchange) earlier than its own, and in every lane the positions follow the order of the
  // slot writes (one publishing thread per lane, in program order; or, in the shared last lane,
  // claims and slot writes made under one lock). So each message advance() waits for was
  // recorded earlier than the one that waits, the chain ends, and it never comes back to a lane
  // whose next message is waiting (that lane's earlier messages are delivered already).
  void take(Worker& q, std::size_t l, std::uint64_t head) {
    Entry& entry = q.rings.at(l, head);
    if (const std::uint64_t dep = entry.dep; dep != KeySlots::kNone) {
      const std::size_t dep_lane = KeySlots::lane(dep);
      if (dep_lane != l) advance(q, dep_lane, KeySlots::position(dep));
    }
    AsyncItem* item = entry.item;
    q.rings.consume(l, head);
    // Look for blocked publishers with a read-modify-write: it reads the latest value of
    // `blocked`, and if it misses wait_for_room's increment, that increment reads from it and
    // so sees the cell freed above. (A plain load here could miss the increment while the
    // publisher still sees the cell full: a store-buffering race that left a publisher asleep
    // for a whole delivery, or for ever if the handler waited for that publisher.)
    if (q.blocked.fetch_add(0, std::memory_order_seq_cst) != 0) notify_room(q);
    deliver(q, item);
  }

  // Delivers lane `l`'s messages in order up to and including position `target`. Each of them
  // was claimed before `target`'s dependency record was written, so it is filled or about to
  // be (its publisher is between claim and fill, where nothing blocks): wait for it.
  void advance(Worker& q, std::size_t l, std::uint64_t target) {
    for (std::uint64_t head = q.rings.head(l); head <= target; ++head) {
      while (!q.rings.filled(l, head)) std::this_thread::yield();
      take(q, l, head);
    }
  }

  // Yields up to kLingerYields times waiting for a message to be ready in some lane.
  bool linger(const Worker& q) const {
    for (int i = 0; i < kLingerYields; ++i) {
      std::this_thread::yield();
      for (std::size_t l = 0; l < lanes_; ++l) {
        if (q.rings.ready(l)) return true;
      }
    }
    return false;
  }

  // Every lane closed, and every position claimed in it taken.
  bool closed_and_drained(const Worker& q) const noexcept {
    for (std::size_t l = 0; l < lanes_; ++l) {
      if (!q.rings.closed_and_drained(l)) return false;
    }
    return true;
  }

  // No lane has a claimed position left to take, and none is closed (seq_cst loads: see run()).
  bool empty_and_open(const Worker& q) const noexcept {
    for (std::size_t l = 0; l < lanes_; ++l) {
      if (!q.rings.empty_and_open(l)) return false;
    }
    return true;
  }

  void deliver(Worker& q, AsyncItem* item) {
    std::exception_ptr error;
    try {
      item->set(bus_->publish(item->message(), item->ops()));
    } catch (...) {
      error = std::current_exception();
    }
    // Fail outside the handler: leaving it drops this thread's hold on the exception object
    // first, so the waiter that takes the completion owns it alone (otherwise the end of the
    // catch could destroy it here while the waiter still reads it).
    if (error) item->fail(std::move(error));
    item->release();
    q.delivered.store(q.delivered.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  // Closes every lane (publishers see BusStopped from now on, including blocked ones), wakes
  // the workers, and joins them once they drained what was claimed before the close.
  void stop_and_join() {
    std::lock_guard join_lock(join_mutex_);
    for (auto& q : workers_) {
      q->rings.close();
      notify_room(*q);
      wake(*q);
    }
    for (auto& q : workers_) {
      if (q->thread.joinable()) q->thread.join();
    }
  }

  std::shared_ptr<BusCore> bus_;
  BackpressurePolicy policy_;
  bool by_publisher_;
  std::size_t lanes_;
  std::size_t lane_capacity_;
  std::size_t key_slots_;
  const std::uint64_t id_ = next_bus_id.fetch_add(1, std::memory_order_relaxed);
  mutable std::atomic<std::size_t> next_publisher_{0};
  std::mutex shared_lane_mutex_;
  struct WorkerDeleter {
    std::pmr::memory_resource* memory;
    void operator()(Worker* q) const noexcept {
      std::pmr::polymorphic_allocator<>(memory).delete_object(q);
    }
  };
  std::pmr::vector<std::unique_ptr<Worker, WorkerDeleter>> workers_;
  std::mutex join_mutex_;
};

}  // namespace detail

AsyncMessageBus::AsyncMessageBus(const AsyncBusOptions& options)
    : memory_(options.memory != nullptr ? options.memory : std::pmr::get_default_resource()),
      bus_(BusOptions{options.dead_letters}),
      core_(std::make_unique<detail::AsyncCore>(options, memory_, bus_.core())) {}

// NOLINTNEXTLINE(bugprone-exception-escape): see the declaration.
AsyncMessageBus::~AsyncMessageBus() { core_->shutdown(); }

Completion AsyncMessageBus::enqueue(const std::string_view* key, detail::AsyncItemPtr item) {
  return core_->enqueue(key, std::move(item));
}

void AsyncMessageBus::shutdown() { core_->shutdown(); }
std::size_t AsyncMessageBus::worker_count() const noexcept { return core_->workers(); }
std::size_t AsyncMessageBus::worker_for(std::string_view key) const noexcept {
  return core_->worker_for(key);
}
std::size_t AsyncMessageBus::lane_count() const noexcept { return core_->lanes(); }
std::size_t AsyncMessageBus::lane_for(std::string_view key) const noexcept {
  return core_->lane_for(key);
}
AsyncBusStats AsyncMessageBus::stats() const { return core_->stats(); }

}  // namespace orchestrix::bus
