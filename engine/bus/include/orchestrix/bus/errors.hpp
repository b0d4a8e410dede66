// orchestrix/bus/errors.hpp — the typed errors of the message bus.
//
// All derive from orchestrix::Error (<orchestrix/errors.hpp>), so callers can catch the base or
// the specific type. Thread safety: error objects are values; copy them freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "orchestrix/bus/symbol.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/uuid.hpp"

namespace orchestrix::bus {

// Identifies one subscription of one bus; unique per bus, never reused (0 = none).
using SubscriptionId = std::uint64_t;

// One handler's failure: which subscription threw, and what. The exception_ptr keeps the thrown
// object alive (it was allocated by the C++ runtime, not by any pmr resource); rethrow it to
// handle the exception by its own type.
struct HandlerFailure {
  SubscriptionId subscription = 0;
  std::exception_ptr error;  // the exception the handler threw, as thrown
  std::string what;          // its what() for std::exception, else "unknown exception"
};

// Thrown by publish() when EVERY handler of the message threw (at least one handler ran). No
// dead letters are written in that case: the caller gets all failures and decides. When only
// some handlers failed, publish succeeds and the failures go to the dead-letter queue instead.
//
// Memory: one std::vector of failures and their what() strings on the global heap; the publish
// path allocates them only on this failure path.
class HandlerError : public Error {
 public:
  HandlerError(Symbol type, Uuid message_id, std::vector<HandlerFailure> failures);

  // CloudEvents type and id of the message whose handlers all failed.
  Symbol message_type() const noexcept { return type_; }
  const Uuid& message_id() const noexcept { return message_id_; }
  // One entry per handler, in subscription order. Never empty.
  const std::vector<HandlerFailure>& failures() const noexcept { return failures_; }

 private:
  Symbol type_;
  Uuid message_id_;
  std::vector<HandlerFailure> failures_;
};

// Thrown by AsyncMessageBus::publish() under BackpressurePolicy::kReject when the target lane is
// full, and under any policy when a handler running on one of the bus's own workers publishes
// into a full lane (blocking there could deadlock the worker). The message was not accepted.
// worker(): the target worker; capacity(): its lanes' capacity (queue_capacity / lanes).
class QueueFull : public Error {
 public:
  QueueFull(std::size_t worker, std::size_t capacity);
  std::size_t worker() const noexcept { return worker_; }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::size_t worker_;
  std::size_t capacity_;
};

// Thrown by AsyncMessageBus::publish() once shutdown() has begun (also to a publisher that was
// blocked on a full queue when shutdown began). The message was not accepted.
class BusStopped : public Error {
 public:
  BusStopped();
};

// Thrown by publish() when publishes nest deeper than a fixed limit on one thread (a handler that
// publishes a message whose handler publishes, ... 32 levels; see docs/message-bus.md). Usually
// a handler cycle. Nothing was delivered at the level that threw.
class NestingTooDeep : public Error {
 public:
  explicit NestingTooDeep(std::size_t limit);
  std::size_t limit() const noexcept { return limit_; }

 private:
  std::size_t limit_;
};

}  // namespace orchestrix::bus
