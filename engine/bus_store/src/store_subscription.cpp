#include "orchestrix/bus/store_subscription.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/bus_core.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"

namespace orchestrix::bus::detail {
namespace {

struct TransparentHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

}  // namespace

class StoreSubscriptionState {
 public:
  StoreSubscriptionState(const EventStore& store, MessageBus& bus, StoreSubscriptionOptions o)
      : store_(store), bus_(bus.core()), options_(o), position_(o.from) {
    thread_ = std::thread([this] { run(); });
  }

  ~StoreSubscriptionState() { join(); }

  void stop() {
    if (t_delivering == this) {
      throw UsageError("StoreSubscription::stop called from its own delivery thread");
    }
    join();
  }

  Position position() const {
    std::lock_guard lock(mutex_);
    return position_;
  }
  bool caught_up() const {
    std::lock_guard lock(mutex_);
    return caught_up_;
  }
  std::exception_ptr error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }
  bool wait_until_delivered(Position p) const {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return position_.value > p.value || finished_; });
    return position_.value > p.value;
  }

 private:
  void join() {
    std::lock_guard join_lock(join_mutex_);
    stop_requested_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
  }

  void advance(Position next, bool caught_up) {
    {
      std::lock_guard lock(mutex_);
      position_ = next;
      caught_up_ = caught_up_ || caught_up;
    }
    changed_.notify_all();
  }

  void run() {
    t_delivering = this;
    Position next = options_.from;
    std::exception_ptr failure;
    try {
      while (!stop_requested_.load(std::memory_order_relaxed)) {
        bool interrupted = false;
        {
          const AllEventsRange range = store_.read_all(next);
          for (const EventView& e : range) {
            if (stop_requested_.load(std::memory_order_relaxed)) {
              interrupted = true;
              break;
            }
            deliver(e);
            next = Position{e.position().value + 1};
            advance(next, false);
          }
          // Positions below the head that read_all did not yield were compacted away.
          if (!interrupted) next = std::max(next, range.head());
        }
        if (interrupted) break;
        advance(next, true);
        store_.wait_for_append(next, options_.poll_interval);
      }
    } catch (...) {
      failure = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      error_ = failure;
      finished_ = true;
    }
    changed_.notify_all();
  }

  Symbol symbol(std::string_view text) {
    if (text.empty()) return Symbol{};
    auto it = symbols_.find(text);
    if (it == symbols_.end()) it = symbols_.emplace(std::string(text), Symbol::intern(text)).first;
    return it->second;
  }

  void deliver(const EventView& e) {
    const auto bytes = e.data();
    const Envelope<StoredEvent> message{
        Metadata{
            .id = e.id(),
            .time = e.time(),
            .type = symbol(e.type()),
            .source = symbol(e.source()),
            .content_type = symbol(e.content_type()),
            .data_schema = {},
            .subject = std::string(e.stream()),
            .correlation_id = e.correlation_id(),
            .causation_id = e.causation_id(),
            .kind = MessageKind::kEvent,
        },
        StoredEvent{std::string(e.stream()), e.version(), e.position(),
                    std::vector<std::byte>(bytes.begin(), bytes.end())}};
    const MessageOps& ops = message_ops<StoredEvent>;
    if (options_.on_all_failed == AllFailedPolicy::kStop) {
      bus_->publish(&message, ops);  // HandlerError ends run() with `next` still on this event
      return;
    }
    std::vector<Failure> failures;
    bus_->dispatch(&message, ops, 0, failures);
    if (!failures.empty()) bus_->record_dead_letters(&message, ops, failures, 1);
  }

  static thread_local const StoreSubscriptionState* t_delivering;

  const EventStore& store_;
  std::shared_ptr<BusCore> bus_;
  const StoreSubscriptionOptions options_;
  std::unordered_map<std::string, Symbol, TransparentHash, std::equal_to<>> symbols_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Position position_;
  bool caught_up_ = false;
  bool finished_ = false;
  std::exception_ptr error_;

  std::atomic<bool> stop_requested_{false};
  std::mutex join_mutex_;
  std::thread thread_;  // last: started after every other member is constructed
};

thread_local const StoreSubscriptionState* StoreSubscriptionState::t_delivering = nullptr;

}  // namespace orchestrix::bus::detail

namespace orchestrix::bus {

StoreSubscription::StoreSubscription(const EventStore& store, MessageBus& bus,
                                     StoreSubscriptionOptions options)
    : state_(std::make_unique<detail::StoreSubscriptionState>(store, bus, options)) {}

StoreSubscription::~StoreSubscription() = default;

void StoreSubscription::stop() { state_->stop(); }
Position StoreSubscription::position() const { return state_->position(); }
bool StoreSubscription::caught_up() const { return state_->caught_up(); }
std::exception_ptr StoreSubscription::error() const { return state_->error(); }
bool StoreSubscription::wait_until_delivered(Position p) const {
  return state_->wait_until_delivered(p);
}

}  // namespace orchestrix::bus
