// orchestrix/bus/message_bus.hpp — the synchronous, typed, in-process message bus. Start here.
//
//   MessageBus bus;
//   Subscription s = bus.subscribe<OrderPlaced>([](const Envelope<OrderPlaced>& m) { ... });
//   bus.publish(make_message(OrderPlaced{...}, {.subject = "order-17"}));
//
// Delivery contract
// - publish(m) calls, on the calling thread and before it returns, every handler subscribed to
//   m's body type when publish started, in subscription order. Handlers subscribed during the
//   publish (e.g. by a handler) first see the next publish.
// - A handler's exception never stops the others. If EVERY handler threw, publish throws
//   HandlerError carrying each failure (nothing goes to the dead-letter queue). If only SOME
//   threw, each failure becomes a DeadLetter in dead_letters() and publish returns normally.
//   A message nobody subscribed to is delivered to no one and is not an error.
// - Re-entrancy: a handler may publish (the nested publish runs to completion first, depth
//   first, on the same thread), subscribe (see above) and unsubscribe (see subscription.hpp:
//   the handler is not called again, not even later in the current dispatch).
//
// Threading
// - Every member function may be called from any number of threads at once.
// - publish() takes no lock and writes no cache line shared with other threads: each bus keeps,
//   per body type, an immutable handler list that subscribe/unsubscribe replace (copy on write,
//   under a writer mutex). A publishing thread announces, in its own per-thread record, the list
//   epoch it reads and the handler it is calling; writers read those records to reclaim retired
//   lists and to honour the unsubscribe guarantee. See docs/message-bus.md for the protocol and
//   its measured cost.
// - Handlers of one message run sequentially on the publishing thread; different threads'
//   publishes run their handlers concurrently, so a handler shared by publishers on several
//   threads must be thread safe.
// - The bus must outlive every publish() call on it (destroying a bus while another thread
//   publishes on it is undefined). Subscriptions may outlive it.
// - publish() and Subscription::unsubscribe() may also be called from thread_local (and static)
//   destructors, including those that run after the thread's bus record was handed back at
//   thread exit (a thread_local Subscription, say): such a late publish claims a free record for
//   that call only (one allocation if none is free), and every guarantee above still holds.
//
// Costs: subscribe/unsubscribe copy the handler list of one type (O(handlers of that type)) and
// allocate; publish allocates nothing unless a handler fails. Memory: ~100 bytes per handler plus
// the handler object, 32 bytes per body type index up to the highest one subscribed; lists
// retired while a publish may still read them are freed by a later subscribe/unsubscribe or by
// the bus's destructor.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "orchestrix/bus/dead_letter.hpp"
#include "orchestrix/bus/detail/erased.hpp"
#include "orchestrix/bus/errors.hpp"
#include "orchestrix/bus/message.hpp"
#include "orchestrix/bus/subscription.hpp"

namespace orchestrix::bus {

struct BusOptions {
  DeadLetterOptions dead_letters{};
};

// What one publish did. handled + failed = handlers called.
struct PublishResult {
  std::uint32_t handled = 0;  // handlers that returned normally
  std::uint32_t failed = 0;   // handlers that threw (each one is now a dead letter)
};

// Where redrive sends a dead letter.
enum class RedriveTarget : std::uint8_t {
  kFailedHandler,  // only the subscription that failed, if it is still subscribed
  kAllHandlers,    // publish the message again to every current handler of its type
};

// What redrive_dead_letters() did with the letters it took out of the queue.
struct RedriveResult {
  std::size_t succeeded = 0;     // letters whose redelivery raised no failure
  std::size_t failed_again = 0;  // letters that failed again (back in the queue, attempts + 1)
  std::size_t orphaned = 0;      // kFailedHandler target no longer subscribed: letter discarded
};

// A handler for body type T: callable with const Envelope<T>& or with const T&.
// (Each alternative is parenthesised so that clang-format 14 reads the angle brackets as
// template arguments.)
template <class F, class T>
concept HandlerFor = (std::invocable<F&, const Envelope<T>&>) || (std::invocable<F&, const T&>);

class MessageBus {
 public:
  explicit MessageBus(BusOptions options = {});
  ~MessageBus();
  MessageBus(const MessageBus&) = delete;
  MessageBus& operator=(const MessageBus&) = delete;

  // Subscribes `handler` to messages whose body type is T. The handler is moved into the bus
  // and destroyed when it is unsubscribed and no publish can still reach it.
  // Throws std::bad_alloc (nothing subscribed).
  template <MessageBody T, class F>
  requires HandlerFor<std::decay_t<F>, T>
  [[nodiscard]] Subscription subscribe(F&& handler) {
    return subscribe_erased(
        detail::message_type_index<T>(),
        std::make_unique<detail::TypedHandler<T, std::decay_t<F>>>(std::forward<F>(handler)));
  }

  // Delivers `message` to T's handlers (contract above). Throws HandlerError when every handler
  // threw, NestingTooDeep past 32 nested publishes on one thread. If a dead letter cannot be
  // recorded (its copy or the queue's allocation throws), the letters already queued stay as
  // they were, the new one is counted in dead_letters().dropped() and publish returns.
  // Under memory exhaustion a failure may be counted in PublishResult::failed without being
  // recorded anywhere; the remaining handlers still run.
  template <MessageBody T>
  PublishResult publish(const Envelope<T>& message) {
    return publish_erased(&message, detail::message_type_index<T>(), detail::message_ops<T>);
  }

  // Handlers currently subscribed to T.
  template <MessageBody T>
  std::size_t handler_count() const {
    return handler_count_erased(detail::message_type_index<T>());
  }

  DeadLetterQueue& dead_letters() noexcept;
  const DeadLetterQueue& dead_letters() const noexcept;

  // Delivers one dead letter again. On success the letter is consumed; if the redelivery fails,
  // a letter with attempts + 1 is pushed to dead_letters() (for kAllHandlers: one per failed
  // handler, and a HandlerError is NOT thrown). Returns what the redelivery did; an orphaned
  // kFailedHandler letter returns {0, 0} and is discarded.
  PublishResult redrive(DeadLetter letter, RedriveTarget target = RedriveTarget::kFailedHandler);
  // Takes every letter currently queued and redrives each one (letters that fail again are
  // queued again, so this terminates even if they keep failing).
  RedriveResult redrive_dead_letters(RedriveTarget target = RedriveTarget::kFailedHandler);

  // The bus's shared state; used by AsyncMessageBus and store subscriptions. Not for users.
  const std::shared_ptr<detail::BusCore>& core() const noexcept { return core_; }

 private:
  Subscription subscribe_erased(std::uint32_t type, std::unique_ptr<detail::HandlerBase> handler);
  PublishResult publish_erased(const void* message, std::uint32_t type,
                               const detail::MessageOps& ops);
  std::size_t handler_count_erased(std::uint32_t type) const;

  std::shared_ptr<detail::BusCore> core_;
};

}  // namespace orchestrix::bus
