// orchestrix/bus/store_subscription.hpp — feeds an EventStore's global log to a MessageBus.
//
// A StoreSubscription runs one thread that reads the store's events in global order
// (EventStore::read_all), first catching up from a start position, then live: it blocks in
// EventStore::wait_for_append and delivers each newly committed event. This is how projections
// are fed:
//
//   MessageBus bus;
//   auto s = bus.subscribe<StoredEvent>([&](const Envelope<StoredEvent>& e) { project(e); });
//   StoreSubscription feed(store, bus, {.from = checkpoint});
//
// Delivery: every event with position >= from is published to the bus exactly once, in
// position order, one at a time, on the subscription's thread, as an Envelope<StoredEvent>
// whose metadata mirrors the stored event (id, time, type, source, datacontenttype,
// correlation/causation ids; subject = the stream id). Bus rules apply per event (handler order,
// isolation, dead letters when some handlers fail). Events below a stream's retained range
// (compacted away) are skipped, as read_all skips them.
//
// When every handler of an event fails (HandlerError), the subscription follows
// StoreSubscriptionOptions::on_all_failed: `kStop` (default) stops at that event — position()
// stays on it and error() holds the HandlerError, so a new subscription from position() retries
// it — while `kDeadLetter` records one dead letter per failure in the bus's queue and moves on.
//
// Stopping: stop() (and the destructor) ends the thread after the event being delivered; a
// thread idle in wait_for_append notices within `poll_interval`. REQUIRES: not called from a
// handler running on this subscription's thread (it would wait for itself; throws
// orchestrix::UsageError). REQUIRES: the store and the bus outlive the subscription.
//
// Memory: each delivered event is copied once into its envelope (stream id and payload into
// std::string / std::vector on the global heap; interned type/source/content-type symbols are
// cached per subscription), so handlers and dead letters never hold views into the store.
//
// Thread safety: position(), caught_up(), error(), wait_until_delivered() and stop() may be
// called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrix/bus/message.hpp"
#include "orchestrix/bus/message_bus.hpp"
#include "orchestrix/event.hpp"

namespace orchestrix {
class EventStore;
}

namespace orchestrix::bus {

// The body of a store event delivered through the bus. Metadata carries the CloudEvents
// attributes; the body carries what only the store knows.
struct StoredEvent {
  static constexpr MessageKind message_kind = MessageKind::kEvent;
  static constexpr std::string_view message_type = "orchestrix.StoredEvent";

  std::string stream;           // the stream id (also the envelope's subject)
  std::uint64_t version = 0;    // 0-based version in the stream
  Position position{};          // global position
  std::vector<std::byte> data;  // the payload, as appended
};

enum class AllFailedPolicy : std::uint8_t {
  kStop,        // stop at the event; error() holds the HandlerError
  kDeadLetter,  // record the failures as dead letters and continue
};

struct StoreSubscriptionOptions {
  Position from{};  // first position to deliver
  AllFailedPolicy on_all_failed = AllFailedPolicy::kStop;
  // Longest wait_for_append() call: the bound on how long stop() waits for an idle thread.
  std::chrono::milliseconds poll_interval{50};
};

namespace detail {
class StoreSubscriptionState;
}

class StoreSubscription {
 public:
  // Starts the delivery thread. Throws std::system_error if it cannot start.
  StoreSubscription(const EventStore& store, MessageBus& bus,
                    StoreSubscriptionOptions options = {});
  // Runs stop().
  ~StoreSubscription();
  StoreSubscription(const StoreSubscription&) = delete;
  StoreSubscription& operator=(const StoreSubscription&) = delete;

  // Ends delivery and joins the thread. Idempotent. Throws orchestrix::UsageError (and does
  // nothing) when called from a handler running on this subscription's delivery thread.
  void stop();

  // The next position to deliver: every retained event below it has been delivered.
  Position position() const;
  // True once the subscription has delivered everything up to the head at least once.
  bool caught_up() const;
  // Why the thread stopped on its own (HandlerError under AllFailedPolicy::kStop, or an error
  // reading the store); null while running or after a plain stop().
  std::exception_ptr error() const;
  // Blocks until position() > p (the event at p, if retained, has been delivered) and returns
  // true, or returns false as soon as the subscription has stopped without reaching it.
  bool wait_until_delivered(Position p) const;

 private:
  std::unique_ptr<detail::StoreSubscriptionState> state_;
};

}  // namespace orchestrix::bus
