#include "orchestrix/bus/message_bus.hpp"

#include "common/bus_core.hpp"

namespace orchestrix::bus {

MessageBus::MessageBus(BusOptions options) : core_(std::make_shared<detail::BusCore>(options)) {}

MessageBus::~MessageBus() = default;

Subscription MessageBus::subscribe_erased(std::uint32_t type,
                                          std::unique_ptr<detail::HandlerBase> handler) {
  return core_->subscribe(type, std::move(handler));
}

PublishResult MessageBus::publish_erased(const void* message, std::uint32_t type,
                                         const detail::MessageOps& ops) {
  return core_->publish(message, type, ops);
}

std::size_t MessageBus::handler_count_erased(std::uint32_t type) const {
  return core_->handler_count(type);
}

DeadLetterQueue& MessageBus::dead_letters() noexcept { return core_->dead_letters(); }
const DeadLetterQueue& MessageBus::dead_letters() const noexcept { return core_->dead_letters(); }

PublishResult MessageBus::redrive(DeadLetter letter, RedriveTarget target) {
  return core_->redrive(std::move(letter), target);
}

RedriveResult MessageBus::redrive_dead_letters(RedriveTarget target) {
  return core_->redrive_all(target);
}

// ---- Subscription ------------------------------------------------------------------------------

Subscription::Subscription(Subscription&& other) noexcept
    : core_(std::move(other.core_)),
      node_(std::exchange(other.node_, nullptr)),
      id_(std::exchange(other.id_, 0)) {}

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    unsubscribe();
    core_ = std::move(other.core_);
    node_ = std::exchange(other.node_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void Subscription::unsubscribe() noexcept {
  if (node_ == nullptr) return;
  detail::HandlerNode* node = std::exchange(node_, nullptr);
  // Keep the core alive across the call even if it is the last reference.
  std::shared_ptr<detail::BusCore> core = std::move(core_);
  core->unsubscribe(node);
}

bool Subscription::active() const noexcept { return node_ != nullptr; }

}  // namespace orchestrix::bus
