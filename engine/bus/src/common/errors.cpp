#include "orchestrix/bus/errors.hpp"

#include <utility>

namespace orchestrix::bus {
namespace {

std::string handler_error_text(Symbol type, const std::vector<HandlerFailure>& failures) {
  std::string text = "all ";
  text += std::to_string(failures.size());
  text += failures.size() == 1 ? " handler of '" : " handlers of '";
  text += type.text();
  text += "' failed";
  if (!failures.empty()) {
    text += "; first: ";
    text += failures.front().what;
  }
  return text;
}

}  // namespace

HandlerError::HandlerError(Symbol type, Uuid message_id, std::vector<HandlerFailure> failures)
    : Error(handler_error_text(type, failures)),
      type_(type),
      message_id_(message_id),
      failures_(std::move(failures)) {}

QueueFull::QueueFull(std::size_t worker, std::size_t capacity)
    : Error("async bus queue " + std::to_string(worker) + " is full (capacity " +
            std::to_string(capacity) + ")"),
      worker_(worker),
      capacity_(capacity) {}

BusStopped::BusStopped() : Error("async bus is shut down; message not accepted") {}

NestingTooDeep::NestingTooDeep(std::size_t limit)
    : Error("publish nested deeper than " + std::to_string(limit) + " levels on one thread"),
      limit_(limit) {}

}  // namespace orchestrix::bus
