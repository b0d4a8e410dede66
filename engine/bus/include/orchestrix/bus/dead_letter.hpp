// orchestrix/bus/dead_letter.hpp — the bounded dead-letter queue of a message bus.
//
// When some (not all) handlers of a published message throw, publish() succeeds and writes one
// DeadLetter per failed handler here: a copy of the message, the failed subscription, the
// exception and when it happened. Letters can be inspected, taken out, and re-driven through the
// bus (MessageBus::redrive / redrive_dead_letters).
//
// Bound and full policy: the queue holds at most `capacity` letters. When a letter arrives at a
// full queue, DeadLetterPolicy::kDropOldest (the default) discards the oldest letter to make room;
// kDropNewest discards the arriving letter. Either way dropped() counts it and publish() is not
// affected: a full dead-letter queue never fails or blocks a publish. capacity 0 disables dead
// letters (every letter is dropped and counted).
//
// Memory: the queue's own storage (a std::pmr::deque of 96-byte DeadLetter records), the copy
// of each message (sizeof(Envelope<T>), constructed in memory from the resource) and the what()
// text come from `DeadLetterOptions::memory`. Not from the resource: the exception object itself
// (the C++ runtime allocates it) and anything the message body's copy constructor allocates
// (e.g. a std::string member uses the global heap).
//
// Thread safety: all member functions of DeadLetterQueue may be called from any thread at once;
// they take an internal mutex (only the failure path of publish touches it). A DeadLetter is a
// move-only value owned by one thread at a time. The message copy is allocated on the failing
// publisher's thread without the queue's mutex, so when several threads publish, the resource
// must be thread safe (new_delete_resource, synchronized_pool_resource, the project's
// thread-safe resources), not e.g. a bare monotonic_buffer_resource.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrix/bus/detail/erased.hpp"
#include "orchestrix/bus/errors.hpp"
#include "orchestrix/bus/message.hpp"
#include "orchestrix/timestamp.hpp"

namespace orchestrix::bus {

namespace detail {
struct DeadLetterAccess;
}

enum class DeadLetterPolicy : std::uint8_t { kDropOldest, kDropNewest };

struct DeadLetterOptions {
  std::size_t capacity = 1024;  // most letters held; 0 = keep none
  DeadLetterPolicy when_full = DeadLetterPolicy::kDropOldest;
  // Where letters and message copies live; nullptr = std::pmr::get_default_resource() as it is
  // when the queue is constructed. The resource must outlive the queue and every letter.
  std::pmr::memory_resource* memory = nullptr;
};

// One failed delivery: a private copy of the message plus the failure. Move-only.
//
// Ownership: the letter owns its message copy (constructed in memory from the queue's resource)
// and frees it in its destructor, on whatever thread destroys it; the resource must still be
// alive then. A moved-from letter holds nothing; only destruction and assignment are valid on it.
// Letters are made only by the bus (one per failed handler call).
class DeadLetter {
 public:
  // Transfers the message copy; `other` becomes empty. Never allocates.
  DeadLetter(DeadLetter&& other) noexcept;
  DeadLetter& operator=(DeadLetter&& other) noexcept;
  DeadLetter(const DeadLetter&) = delete;
  DeadLetter& operator=(const DeadLetter&) = delete;
  ~DeadLetter();

  // The failed message's metadata (type, id, subject, ...).
  const Metadata& metadata() const noexcept { return ops_->metadata(message_); }
  // The failed message if it is an Envelope<T>, else nullptr. Valid while this letter lives.
  template <MessageBody T>
  const Envelope<T>* message() const noexcept {
    return ops_->type_index() == detail::message_type_index<T>()
               ? static_cast<const Envelope<T>*>(message_)
               : nullptr;
  }
  // The subscription whose handler threw.
  SubscriptionId subscription() const noexcept { return subscription_; }
  // The exception as thrown (rethrow it with std::rethrow_exception to inspect its type).
  const std::exception_ptr& error() const noexcept { return error_; }
  std::string_view what() const noexcept { return what_; }
  Timestamp failed_at() const noexcept { return failed_at_; }
  // 1 for a first failure; each failed redrive of the letter adds one.
  std::uint32_t attempts() const noexcept { return attempts_; }

 private:
  friend struct detail::DeadLetterAccess;
  DeadLetter(std::pmr::memory_resource* memory, const void* message, const detail::MessageOps* ops,
             SubscriptionId subscription, std::exception_ptr error, std::string_view what,
             std::uint32_t attempts);
  void release() noexcept;

  std::pmr::memory_resource* memory_ = nullptr;
  void* message_ = nullptr;  // an Envelope<T> constructed in memory from memory_
  const detail::MessageOps* ops_ = nullptr;
  SubscriptionId subscription_ = 0;
  std::exception_ptr error_;
  std::pmr::string what_;
  Timestamp failed_at_;
  std::uint32_t attempts_ = 1;
};

// The queue itself. Owned by a MessageBus (MessageBus::dead_letters()); users read and drain it
// but do not construct their own for a bus.
class DeadLetterQueue {
 public:
  // Takes the deque's first block from options.memory (a few hundred bytes), so even an empty
  // queue holds some memory from the resource. Throws std::bad_alloc.
  explicit DeadLetterQueue(DeadLetterOptions options = {});
  DeadLetterQueue(const DeadLetterQueue&) = delete;
  DeadLetterQueue& operator=(const DeadLetterQueue&) = delete;

  std::size_t capacity() const noexcept { return capacity_; }
  DeadLetterPolicy policy() const noexcept { return policy_; }
  std::pmr::memory_resource* memory() const noexcept { return memory_; }

  // Letters held now (<= capacity()).
  std::size_t size() const;
  bool empty() const { return size() == 0; }
  // Letters discarded by the full policy (or because capacity is 0) since construction.
  std::uint64_t dropped() const;
  // Letters ever offered to push() since construction (held + dropped + taken).
  std::uint64_t total() const;

  // Adds a letter, applying the full policy. Never throws except std::bad_alloc from the
  // resource when the deque must grow. Then nothing changed: the held letters (under
  // kDropOldest the oldest is evicted only after the new letter is in), size(), dropped() and
  // total() are as before the call, and `letter` is destroyed with its message copy. The bus
  // then counts the arriving letter as dropped (total() and dropped() each grow by one).
  void push(DeadLetter letter);
  // Removes and returns the oldest letter, or nullopt when empty.
  std::optional<DeadLetter> pop();
  // Removes and returns every letter, oldest first (the vector uses the global heap).
  std::vector<DeadLetter> take_all();
  // Calls fn on each letter, oldest first, while holding the queue's mutex: fn must not call
  // back into this queue (or publish on a bus that uses it).
  void for_each(const std::function<void(const DeadLetter&)>& fn) const;
  // Destroys every letter (their message copies go back to the resource). Counters unchanged.
  void clear();

 private:
  friend struct detail::DeadLetterAccess;
  std::size_t capacity_;
  DeadLetterPolicy policy_;
  std::pmr::memory_resource* memory_;
  mutable std::mutex mutex_;
  std::pmr::deque<DeadLetter> letters_;
  std::uint64_t dropped_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace orchestrix::bus
