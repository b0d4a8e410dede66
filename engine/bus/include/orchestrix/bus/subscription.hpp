// orchestrix/bus/subscription.hpp — the RAII handle of one subscribed handler.
//
// MessageBus::subscribe() (and AsyncMessageBus::subscribe()) return a Subscription. Destroying
// it, assigning over it, or calling unsubscribe() removes the handler. Move-only; an empty
// (default-constructed or moved-from) Subscription does nothing.
//
// The guarantee: once unsubscribe() returns, the handler is not called again by any thread.
// Calls already running on OTHER threads are waited for before unsubscribe() returns. The one
// exception is unsubscribing a handler from inside that same handler (directly, or from a nested
// publish further down the same call stack): then unsubscribe() returns at once without waiting
// (waiting would deadlock, and two threads self-unsubscribing at once would deadlock each other).
// No new call of the handler starts after it returns, but calls already running on other threads
// may still be finishing. Unsubscribing handler B from inside handler A waits for B's calls on
// other threads, so two handlers that unsubscribe each other from two threads at once deadlock:
// don't form such cycles.
//
// A Subscription keeps the bus's internal state alive, so it may safely outlive the bus object
// (unsubscribe then just drops the handler).
//
// Thread safety: one Subscription object must not be used by two threads at once, but different
// Subscriptions of the same bus may be unsubscribed concurrently with each other and with
// publishes on any thread. A Subscription may be a thread_local: unsubscribing from its
// destructor at thread exit keeps the guarantee above (see message_bus.hpp, Threading).
#pragma once

#include <memory>

#include "orchestrix/bus/errors.hpp"

namespace orchestrix::bus {

namespace detail {
class BusCore;
struct HandlerNode;
}  // namespace detail

class Subscription {
 public:
  Subscription() noexcept = default;
  Subscription(Subscription&& other) noexcept;
  Subscription& operator=(Subscription&& other) noexcept;  // unsubscribes what *this held first
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { unsubscribe(); }

  // Removes the handler (see the guarantee above). Idempotent; never throws.
  void unsubscribe() noexcept;

  // True from subscribe() until unsubscribe().
  bool active() const noexcept;
  // The id dead letters and HandlerFailure refer to (0 for an empty Subscription).
  SubscriptionId id() const noexcept { return id_; }

 private:
  friend class detail::BusCore;
  Subscription(std::shared_ptr<detail::BusCore> core, detail::HandlerNode* node,
               SubscriptionId id) noexcept
      : core_(std::move(core)), node_(node), id_(id) {}

  std::shared_ptr<detail::BusCore> core_;
  detail::HandlerNode* node_ = nullptr;  // owned by core_ (kept alive until it is reclaimed)
  SubscriptionId id_ = 0;
};

}  // namespace orchestrix::bus
