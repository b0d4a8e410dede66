#include "common/bus_core.hpp"

#include <algorithm>
#include <thread>

#include "common/thread_record.hpp"
#include "orchestrix/detail/check.hpp"

namespace orchestrix::bus::detail {
namespace {

// The publish side's fence between its announcement store and the following load (see
// thread_record.hpp): compiler-only when the writers use membarrier, else a full fence.
template <bool kAsymmetric>
inline void reader_fence() noexcept {
  if constexpr (kSeqCstProtocol) {
    return;
  } else if constexpr (kAsymmetric) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
#if !defined(__SANITIZE_THREAD__)
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
  }
}

[[noreturn, gnu::cold]] void throw_nesting_too_deep() { throw NestingTooDeep(kMaxPublishDepth); }

// Marks the calling thread as publishing (announces the epoch at the outermost level) and gives
// the publish its nesting depth, i.e. its calling[] slot.
template <bool kAsymmetric>
class PublishScope {
 public:
  explicit PublishScope(ThreadRecord& record) : record_(record), depth_(record.depth) {
    if (depth_ >= kMaxPublishDepth) [[unlikely]] {
      throw_nesting_too_deep();
    }
    record.depth = depth_ + 1;
    slot_ = &record.calling[depth_];
    if (depth_ == 0) [[likely]] {
      record.epoch.store(global_epoch().load(kLoadOrder), kStoreOrder);
      reader_fence<kAsymmetric>();  // the announcement is visible before the table is loaded
    }
  }
  ~PublishScope() {
    slot_->store(nullptr, std::memory_order_release);
    if (depth_ == 0) [[likely]] {
      record_.epoch.store(0, std::memory_order_release);
    }
    record_.depth = depth_;  // a store, not a decrement: no load of the field just written
  }
  PublishScope(const PublishScope&) = delete;
  PublishScope& operator=(const PublishScope&) = delete;

  // Announces the call of `node`, then checks that it is still subscribed (Dekker with
  // BusCore::unsubscribe; see thread_record.hpp).
  bool enter(const HandlerNode* node) noexcept {
    // release: the previous handler's effects happen before an unsubscriber sees this store.
    slot_->store(node, kStoreOrder);
    reader_fence<kAsymmetric>();
    return node->alive.load(kLoadOrder);
  }

 private:
  ThreadRecord& record_;
  const std::uint32_t depth_;
  std::atomic<const void*>* slot_;
};

// A publish's failures: one null pointer until a handler throws, then a vector. (A pointer, not
// an empty std::vector or std::optional: those are zeroed with 16-byte stores that the empty()
// test after the handler calls reads back with narrower loads, which the CPU cannot forward.)
class LazyFailures {
 public:
  // Throws std::bad_alloc (the failure is not recorded).
  void push_back(Failure failure) {
    if (!list_) list_ = std::make_unique<std::vector<Failure>>();
    list_->push_back(std::move(failure));
  }
  bool empty() const noexcept { return !list_ || list_->empty(); }
  // REQUIRES: !empty().
  const std::vector<Failure>& list() const noexcept { return *list_; }

 private:
  std::unique_ptr<std::vector<Failure>> list_;
};

// True when `node` is being called somewhere on the calling thread's own stack (`self` is the
// thread's record while it is inside a publish, else nullptr).
bool called_on_this_thread(const ThreadRecord* self, const HandlerNode* node) noexcept {
  if (self == nullptr) return false;
  for (std::uint32_t d = 0; d < self->depth; ++d) {
    if (self->calling[d].load(std::memory_order_relaxed) == node) return true;
  }
  return false;
}

void destroy_tables(std::vector<const RoutingTable*>& tables) noexcept {
  for (const RoutingTable* t : tables) delete t;
  tables.clear();
}

}  // namespace

BusCore::BusCore(const BusOptions& options)
    : table_(new RoutingTable),
      asymmetric_(asymmetric_fences()),
      dead_letters_(options.dead_letters) {}

BusCore::~BusCore() {
  // No publish can run any more (every MessageBus and Subscription referring to us is gone).
  delete table_.load(std::memory_order_acquire);
  for (auto& [tag, table] : retired_) delete table;
}

void BusCore::install(std::unique_ptr<RoutingTable> next) {
  retired_.reserve(retired_.size() + 1);  // the only step that can throw: before the swap
  const RoutingTable* old = table_.exchange(next.release(), kSwapOrder);
  // The swap happens before the epoch moves on: a reader that announces the new epoch value
  // (or any later one) loads the new table. collect_reclaimable() fences before it scans.
  const std::uint64_t tag = global_epoch().fetch_add(1, kSwapOrder);
  retired_.emplace_back(tag, old);
}

void BusCore::collect_reclaimable(std::vector<const RoutingTable*>& out) {
  ORCHESTRIX_DCHECK_MSG(out.capacity() - out.size() >= retired_.size(),
                        "no room reserved for the retired tables");
  const std::uint64_t min_active = min_active_epoch();
  auto keep = std::partition(retired_.begin(), retired_.end(),
                             [&](const auto& entry) { return entry.first >= min_active; });
  for (auto it = keep; it != retired_.end(); ++it) out.push_back(it->second);
  retired_.erase(keep, retired_.end());
}

Subscription BusCore::subscribe(std::uint32_t type, std::unique_ptr<HandlerBase> handler) {
  std::vector<const RoutingTable*> reclaim;
  HandlerNode* raw = nullptr;
  SubscriptionId id = 0;
  {
    std::lock_guard lock(writer_mutex_);
    // Everything that can throw happens before install(): once the new table is in, the
    // Subscription must reach the caller (else the handler could never be unsubscribed).
    reclaim.reserve(retired_.size() + 1);
    id = next_id_;
    auto node = std::make_shared<HandlerNode>(std::move(handler), id);
    raw = node.get();
    const RoutingTable* current = table_.load(std::memory_order_relaxed);
    auto next = std::make_unique<RoutingTable>(*current);
    auto list = type < next->size() && next->list(type)
                    ? std::make_shared<HandlerList>(*next->list(type))
                    : std::make_shared<HandlerList>();
    list->add(std::move(node));
    next->set(type, std::move(list));
    install(std::move(next));
    ++next_id_;
    collect_reclaimable(reclaim);
  }
  destroy_tables(reclaim);  // outside the lock: handler destructors may call into the bus
  return Subscription(shared_from_this(), raw, id);
}

void BusCore::unsubscribe(HandlerNode* node) noexcept {
  std::vector<const RoutingTable*> reclaim;
  {
    std::lock_guard lock(writer_mutex_);
    if (!node->alive.load(std::memory_order_relaxed)) return;
    node->alive.store(false, kStoreOrder);  // ordered before the scan by writer_fence()
    try {
      reclaim.reserve(retired_.size() + 1);
      const RoutingTable* current = table_.load(std::memory_order_relaxed);
      auto next = std::make_unique<RoutingTable>(*current);
      for (std::uint32_t type = 0; type < next->size(); ++type) {
        const HandlerList* list = next->list(type).get();
        if (list == nullptr) continue;
        if (std::find(list->raw.begin(), list->raw.end(), node) == list->raw.end()) continue;
        auto copy = std::make_shared<HandlerList>();
        copy->owners.reserve(list->owners.size() - 1);
        for (const auto& n : list->owners) {
          if (n.get() != node) copy->add(n);
        }
        next->set(type, std::move(copy));
        break;
      }
      install(std::move(next));
      collect_reclaimable(reclaim);
    } catch (...) {
      // Out of memory: the dead node stays listed; every publish skips it (alive == false).
    }
  }
  destroy_tables(reclaim);

  // Outside a publish the thread owns no record that could hold a call of `node` (and takes
  // none: no allocation here, and no use of a record after thread exit; see RecordLease).
  const ThreadRecord* self = current_thread_record();
  if (called_on_this_thread(self, node)) return;  // self-unsubscribe: never wait
  writer_fence();  // alive == false is visible before the scan (pairs with reader_fence)
  for (ThreadRecord* r = first_thread_record(); r != nullptr; r = r->next) {
    if (r == self) continue;
    for (auto& slot : r->calling) {
      while (slot.load(kLoadOrder) == node) std::this_thread::yield();
    }
  }
}

template <bool kOnlyOne, bool kAsymmetric, class Failures>
[[gnu::always_inline]] inline PublishResult BusCore::dispatch_on(ThreadRecord& record,
                                                                 const void* message,
                                                                 std::uint32_t type,
                                                                 SubscriptionId only,
                                                                 Failures& failures) {
  // Counters as 64-bit words: the compiler keeps `failed` (written only by the handler) in a
  // stack slot across the calls and reads it back as one word; a 32-bit slot read as 64 bits is
  // a load the CPU cannot forward from the store, which stalls every publish.
  std::uint64_t handled = 0;
  std::uint64_t failed = 0;
  PublishScope<kAsymmetric> scope(record);
  const Route route = table_.load(kLoadOrder)->route(type);
  for (HandlerNode* const* it = route.begin; it != route.end; ++it) {
    HandlerNode* const node = *it;
    if constexpr (kOnlyOne) {
      if (node->id != only) continue;
    }
    if (!scope.enter(node)) continue;
    try {
      node->invoke(*node->target, message);
      ++handled;
    } catch (...) {
      ++failed;
      try {
        failures.push_back(Failure{node->id, std::current_exception()});
      } catch (...) {
        // Out of memory: the failure is counted but not recorded; the other handlers still run.
      }
    }
  }
  return PublishResult{static_cast<std::uint32_t>(handled), static_cast<std::uint32_t>(failed)};
}

PublishResult BusCore::dispatch(const void* message, const MessageOps& ops, SubscriptionId only,
                                std::vector<Failure>& failures) {
  const RecordLease lease;
  ThreadRecord& record = lease.record();
  const std::uint32_t type = ops.type_index();
  if (only == 0) {
    return asymmetric_ ? dispatch_on<false, true>(record, message, type, only, failures)
                       : dispatch_on<false, false>(record, message, type, only, failures);
  }
  return asymmetric_ ? dispatch_on<true, true>(record, message, type, only, failures)
                     : dispatch_on<true, false>(record, message, type, only, failures);
}

[[gnu::always_inline]] inline PublishResult BusCore::publish_on(ThreadRecord& record,
                                                                const void* message,
                                                                std::uint32_t type,
                                                                const MessageOps& ops) {
  LazyFailures failures;
  const PublishResult result = asymmetric_
                                   ? dispatch_on<false, true>(record, message, type, 0, failures)
                                   : dispatch_on<false, false>(record, message, type, 0, failures);
  if (failures.empty()) [[likely]] {
    return result;
  }
  return settle_failures(message, ops, result, failures.list());
}

PublishResult BusCore::publish(const void* message, std::uint32_t type, const MessageOps& ops) {
  ThreadRecord* const record = current_thread_record();
  if (record == nullptr) [[unlikely]] {
    return publish_leased(message, type, ops);
  }
  return publish_on(*record, message, type, ops);
}

PublishResult BusCore::publish_leased(const void* message, std::uint32_t type,
                                      const MessageOps& ops) {
  const RecordLease lease;
  return publish_on(lease.record(), message, type, ops);
}

PublishResult BusCore::settle_failures(const void* message, const MessageOps& ops,
                                       PublishResult result, const std::vector<Failure>& failures) {
  if (result.handled == 0) {
    std::vector<HandlerFailure> all;
    all.reserve(failures.size());
    for (const auto& f : failures) {
      all.push_back(HandlerFailure{f.subscription, f.error, describe(f.error)});
    }
    const Metadata& meta = ops.metadata(message);
    throw HandlerError(meta.type, meta.id, std::move(all));
  }
  record_dead_letters(message, ops, failures, 1);
  return result;
}

void BusCore::record_dead_letters(const void* message, const MessageOps& ops,
                                  const std::vector<Failure>& failures,
                                  std::uint32_t attempts) noexcept {
  for (const auto& f : failures) {
    try {
      dead_letters_.push(DeadLetterAccess::make(dead_letters_.memory(), message, &ops,
                                                f.subscription, f.error, describe(f.error),
                                                attempts));
    } catch (...) {
      try {
        DeadLetterAccess::note_dropped(dead_letters_);
      } catch (...) {
        // The queue's mutex failed: nothing more can be recorded.
      }
    }
  }
}

PublishResult BusCore::redrive(DeadLetter letter, RedriveTarget target) {
  const void* message = DeadLetterAccess::message(letter);
  const MessageOps& ops = DeadLetterAccess::ops(letter);
  std::vector<Failure> failures;
  const SubscriptionId only =
      target == RedriveTarget::kFailedHandler ? letter.subscription() : SubscriptionId{0};
  PublishResult result = dispatch(message, ops, only, failures);
  if (!failures.empty()) record_dead_letters(message, ops, failures, letter.attempts() + 1);
  return result;
}

RedriveResult BusCore::redrive_all(RedriveTarget target) {
  RedriveResult totals;
  for (DeadLetter& letter : dead_letters_.take_all()) {
    const PublishResult r = redrive(std::move(letter), target);
    if (r.failed != 0) {
      ++totals.failed_again;
    } else if (r.handled == 0 && target == RedriveTarget::kFailedHandler) {
      ++totals.orphaned;
    } else {
      ++totals.succeeded;
    }
  }
  return totals;
}

std::size_t BusCore::handler_count(std::uint32_t type) const {
  std::lock_guard lock(writer_mutex_);
  const Route route = table_.load(std::memory_order_relaxed)->route(type);
  std::size_t n = 0;
  for (HandlerNode* const* it = route.begin; it != route.end; ++it) {
    if ((*it)->alive.load(std::memory_order_relaxed)) ++n;
  }
  return n;
}

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace orchestrix::bus::detail
