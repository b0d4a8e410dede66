// orchestrix/bus/bus.hpp — the whole public API of the message bus in one include.
//
// Header guide (start with message_bus.hpp):
//   message.hpp             Envelope<T>, Metadata (CloudEvents), MessageKind, make_message
//   message_bus.hpp         MessageBus: subscribe, publish, dead letters, redrive
//   subscription.hpp        Subscription: the RAII handle and the unsubscribe guarantee
//   dead_letter.hpp         DeadLetterQueue / DeadLetter: bound, full policy, memory resource
//   async_message_bus.hpp   AsyncMessageBus: keyed worker pool, backpressure, Completion
//   store_subscription.hpp  StoreSubscription: an EventStore's global log into a MessageBus
//   errors.hpp              HandlerError, QueueFull, BusStopped, NestingTooDeep
//   symbol.hpp              Symbol: interned type/source names
// Link orchestrix::bus (orchestrix::bus_store for StoreSubscription), or orchestrix::orchestrix.
// Everything is in namespace orchestrix::bus; contracts and measured costs: docs/message-bus.md.
#pragma once

#include "orchestrix/bus/async_message_bus.hpp"
#include "orchestrix/bus/dead_letter.hpp"
#include "orchestrix/bus/errors.hpp"
#include "orchestrix/bus/message.hpp"
#include "orchestrix/bus/message_bus.hpp"
#include "orchestrix/bus/store_subscription.hpp"
#include "orchestrix/bus/subscription.hpp"
#include "orchestrix/bus/symbol.hpp"
