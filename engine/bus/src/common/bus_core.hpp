// BusCore: the shared state behind MessageBus, its Subscriptions and the async bus (internal).
//
// Routing: a RoutingTable maps a body type index to an immutable HandlerList. Both are replaced,
// never mutated, once published through `table_`; writers (subscribe/unsubscribe) serialise on
// `writer_mutex_`, build a new table, swap it in, and retire the old one with an epoch tag (see
// thread_record.hpp). Handler nodes are shared by the lists that contain them, so a node lives
// until the last table that lists it is reclaimed.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include "common/thread_record.hpp"
#include "orchestrix/bus/dead_letter.hpp"
#include "orchestrix/bus/detail/erased.hpp"
#include "orchestrix/bus/message_bus.hpp"
#include "orchestrix/bus/subscription.hpp"

namespace orchestrix::bus::detail {

struct HandlerNode {
  HandlerNode(std::unique_ptr<HandlerBase> h, SubscriptionId i)
      : invoke(h->invoker()), target(h.get()), id(i), handler(std::move(h)) {}
  // What a publish reads, together on the node's first cache line and independent of each other:
  // the flag, then the call `invoke(*target, envelope)` (no virtual-table load on the way).
  std::atomic<bool> alive{true};
  const HandlerBase::InvokeFn invoke;
  HandlerBase* const target;
  SubscriptionId id;
  std::unique_ptr<HandlerBase> handler;  // owns *target
};

// The nodes one publish walks: a HandlerList's `raw` as a plain range.
struct Route {
  HandlerNode* const* begin = nullptr;
  HandlerNode* const* end = nullptr;
};

struct HandlerList {
  // Appends `node` (keeps both vectors in step). Throws std::bad_alloc (list unchanged).
  void add(std::shared_ptr<HandlerNode> node) {
    raw.reserve(raw.size() + 1);
    HandlerNode* const handler = node.get();
    owners.push_back(std::move(node));
    raw.push_back(handler);  // cannot throw: reserved
  }
  std::vector<std::shared_ptr<HandlerNode>> owners;  // subscription order; keeps nodes alive
  std::vector<HandlerNode*> raw;                     // the same nodes, 8-byte stride for publish
};

// By message type index: the handler list (may be null) and, for publish, its nodes as a Route
// (one load less than through the list). Immutable once installed; writers build a new one.
class RoutingTable {
 public:
  std::size_t size() const noexcept { return lists_.size(); }
  const std::shared_ptr<const HandlerList>& list(std::uint32_t type) const noexcept {
    return lists_[type];
  }
  // The nodes to call for `type`, empty when there are none. Publish path.
  Route route(std::uint32_t type) const noexcept {
    return type < routes_.size() ? routes_[type] : Route{};
  }
  // Sets type's list (growing the table as needed). Throws std::bad_alloc (table unchanged).
  void set(std::uint32_t type, std::shared_ptr<const HandlerList> list) {
    if (lists_.size() <= type) {
      routes_.reserve(type + 1);
      lists_.resize(type + 1);
      routes_.resize(type + 1);  // cannot throw: reserved
    }
    routes_[type] = list ? Route{list->raw.data(), list->raw.data() + list->raw.size()} : Route{};
    lists_[type] = std::move(list);
  }

 private:
  std::vector<std::shared_ptr<const HandlerList>> lists_;
  std::vector<Route> routes_;  // always lists_.size() entries
};

// One handler failure seen by dispatch().
struct Failure {
  SubscriptionId subscription;
  std::exception_ptr error;
};

class BusCore : public std::enable_shared_from_this<BusCore> {
 public:
  explicit BusCore(const BusOptions& options);
  ~BusCore();

  Subscription subscribe(std::uint32_t type, std::unique_ptr<HandlerBase> handler);
  void unsubscribe(HandlerNode* node) noexcept;

  // The full publish contract of MessageBus::publish (HandlerError, dead letters); `type` is
  // ops.type_index().
  PublishResult publish(const void* message, std::uint32_t type, const MessageOps& ops);
  PublishResult publish(const void* message, const MessageOps& ops) {
    return publish(message, ops.type_index(), ops);
  }
  // Calls the current handlers of the message's type (only `only` if non-zero) and collects
  // failures; neither throws HandlerError nor writes dead letters.
  PublishResult dispatch(const void* message, const MessageOps& ops, SubscriptionId only,
                         std::vector<Failure>& failures);
  // Pushes one dead letter per failure (failures of the copy are counted as dropped).
  void record_dead_letters(const void* message, const MessageOps& ops,
                           const std::vector<Failure>& failures, std::uint32_t attempts) noexcept;

  PublishResult redrive(DeadLetter letter, RedriveTarget target);
  RedriveResult redrive_all(RedriveTarget target);

  std::size_t handler_count(std::uint32_t type) const;
  DeadLetterQueue& dead_letters() noexcept { return dead_letters_; }

 private:
  using Retired = std::vector<std::pair<std::uint64_t, const RoutingTable*>>;

  // The dispatch loop on the calling thread's `record`; `failures` is a std::vector<Failure> or
  // anything with the same push_back.
  template <bool kOnlyOne, bool kAsymmetric, class Failures>
  PublishResult dispatch_on(ThreadRecord& record, const void* message, std::uint32_t type,
                            SubscriptionId only, Failures& failures);
  // publish() on `record`; publish_leased() first takes a record (the thread's first publish, or
  // a late one during thread exit).
  PublishResult publish_on(ThreadRecord& record, const void* message, std::uint32_t type,
                           const MessageOps& ops);
  [[gnu::noinline]] PublishResult publish_leased(const void* message, std::uint32_t type,
                                                 const MessageOps& ops);
  // publish() after some handler failed: throws HandlerError or records the dead letters.
  PublishResult settle_failures(const void* message, const MessageOps& ops, PublishResult result,
                                const std::vector<Failure>& failures);

  // Swaps in `next` and retires the current table. REQUIRES: writer_mutex_ held (not checkable:
  // std::mutex cannot say who holds it).
  void install(std::unique_ptr<RoutingTable> next);
  // Moves the reclaimable retired tables into `out`. REQUIRES: writer_mutex_ held (not
  // checkable), and `out` has capacity for retired_.size() more entries (DCHECKed; then it does
  // not throw).
  void collect_reclaimable(std::vector<const RoutingTable*>& out);

  std::atomic<const RoutingTable*> table_;
  const bool asymmetric_;  // asymmetric_fences(), read once per publish without a call
  mutable std::mutex writer_mutex_;
  Retired retired_;
  SubscriptionId next_id_ = 1;
  DeadLetterQueue dead_letters_;
};

// Private construction/mutation of dead letters for the bus internals.
struct DeadLetterAccess {
  static DeadLetter make(std::pmr::memory_resource* memory, const void* message,
                         const MessageOps* ops, SubscriptionId subscription,
                         std::exception_ptr error, std::string_view what, std::uint32_t attempts);
  static const void* message(const DeadLetter& letter) noexcept { return letter.message_; }
  static const MessageOps& ops(const DeadLetter& letter) noexcept { return *letter.ops_; }
  static void note_dropped(DeadLetterQueue& queue);
};

// what() of an exception_ptr's exception, or "unknown exception".
std::string describe(const std::exception_ptr& error);

}  // namespace orchestrix::bus::detail
