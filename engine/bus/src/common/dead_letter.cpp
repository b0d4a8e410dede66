#include "orchestrix/bus/dead_letter.hpp"

#include <optional>
#include <utility>

#include "common/bus_core.hpp"

namespace orchestrix::bus {

// ---- DeadLetter --------------------------------------------------------------------------------

DeadLetter::DeadLetter(std::pmr::memory_resource* memory, const void* message,
                       const detail::MessageOps* ops, SubscriptionId subscription,
                       std::exception_ptr error, std::string_view what, std::uint32_t attempts)
    : memory_(memory),
      ops_(ops),
      subscription_(subscription),
      error_(std::move(error)),
      what_(what, memory),
      failed_at_(Timestamp::now()),
      attempts_(attempts) {
  void* storage = memory_->allocate(ops->size, ops->align);
  try {
    ops->copy_construct(storage, message);
  } catch (...) {
    memory_->deallocate(storage, ops->size, ops->align);
    throw;
  }
  message_ = storage;
}

DeadLetter::DeadLetter(DeadLetter&& other) noexcept
    : memory_(other.memory_),
      message_(std::exchange(other.message_, nullptr)),
      ops_(other.ops_),
      subscription_(other.subscription_),
      error_(std::move(other.error_)),
      what_(std::move(other.what_)),
      failed_at_(other.failed_at_),
      attempts_(other.attempts_) {}

DeadLetter& DeadLetter::operator=(DeadLetter&& other) noexcept {
  if (this != &other) {
    release();
    memory_ = other.memory_;
    message_ = std::exchange(other.message_, nullptr);
    ops_ = other.ops_;
    subscription_ = other.subscription_;
    error_ = std::move(other.error_);
    // Strings of different resources would copy (and could throw) on move-assignment; rebuild
    // ours on the other letter's resource instead.
    std::destroy_at(&what_);
    std::construct_at(&what_, std::move(other.what_));
    failed_at_ = other.failed_at_;
    attempts_ = other.attempts_;
  }
  return *this;
}

DeadLetter::~DeadLetter() { release(); }

void DeadLetter::release() noexcept {
  if (message_ == nullptr) return;
  ops_->destroy(message_);
  memory_->deallocate(message_, ops_->size, ops_->align);
  message_ = nullptr;
}

// ---- DeadLetterQueue ---------------------------------------------------------------------------

DeadLetterQueue::DeadLetterQueue(DeadLetterOptions options)
    : capacity_(options.capacity),
      policy_(options.when_full),
      memory_(options.memory != nullptr ? options.memory : std::pmr::get_default_resource()),
      letters_(memory_) {}

std::size_t DeadLetterQueue::size() const {
  std::lock_guard lock(mutex_);
  return letters_.size();
}

std::uint64_t DeadLetterQueue::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::uint64_t DeadLetterQueue::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

void DeadLetterQueue::push(DeadLetter letter) {
  // The letter dropped to make room (or the arriving one), destroyed outside the lock.
  std::optional<DeadLetter> evicted = [&]() -> std::optional<DeadLetter> {
    std::lock_guard lock(mutex_);
    if (capacity_ == 0 ||
        (letters_.size() >= capacity_ && policy_ == DeadLetterPolicy::kDropNewest)) {
      ++total_;
      ++dropped_;
      return std::move(letter);
    }
    // The only step that can fail: deque::push_back gives the strong guarantee (DeadLetter
    // moves are noexcept), so a bad_alloc here leaves the letters and the counters untouched.
    // Under kDropOldest the oldest letter is evicted only once the new one is in.
    letters_.push_back(std::move(letter));
    ++total_;
    if (letters_.size() > capacity_) {
      DeadLetter oldest = std::move(letters_.front());
      letters_.pop_front();
      ++dropped_;
      return oldest;  // destroyed outside the lock
    }
    return std::nullopt;
  }();
}

std::optional<DeadLetter> DeadLetterQueue::pop() {
  std::lock_guard lock(mutex_);
  if (letters_.empty()) return std::nullopt;
  std::optional<DeadLetter> out(std::move(letters_.front()));
  letters_.pop_front();
  return out;
}

std::vector<DeadLetter> DeadLetterQueue::take_all() {
  std::vector<DeadLetter> out;
  std::lock_guard lock(mutex_);
  out.reserve(letters_.size());
  for (auto& letter : letters_) out.push_back(std::move(letter));
  letters_.clear();
  return out;
}

void DeadLetterQueue::for_each(const std::function<void(const DeadLetter&)>& fn) const {
  std::lock_guard lock(mutex_);
  for (const auto& letter : letters_) fn(letter);
}

void DeadLetterQueue::clear() {
  std::pmr::deque<DeadLetter> gone(memory_);
  {
    std::lock_guard lock(mutex_);
    gone.swap(letters_);
  }
}

// ---- internal access ---------------------------------------------------------------------------

namespace detail {

DeadLetter DeadLetterAccess::make(std::pmr::memory_resource* memory, const void* message,
                                  const MessageOps* ops, SubscriptionId subscription,
                                  std::exception_ptr error, std::string_view what,
                                  std::uint32_t attempts) {
  return DeadLetter(memory, message, ops, subscription, std::move(error), what, attempts);
}

void DeadLetterAccess::note_dropped(DeadLetterQueue& queue) {
  std::lock_guard lock(queue.mutex_);
  ++queue.total_;
  ++queue.dropped_;
}

}  // namespace detail
}  // namespace orchestrix::bus
