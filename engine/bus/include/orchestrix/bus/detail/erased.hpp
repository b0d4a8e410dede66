// orchestrix/bus/detail/erased.hpp — type-erasure plumbing behind the bus templates.
//
// Not part of the public API: names in orchestrix::bus::detail may change without notice. The
// typed templates of MessageBus/AsyncMessageBus reduce every body type T to
//   - a dense process-wide index (message_type_index<T>()), used to find T's handler list, and
//   - a MessageOps table (copy, destroy, metadata access), used to keep copies of messages in
//     the dead-letter queue and in the async bus's queues without knowing T.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

#include "orchestrix/bus/message.hpp"

namespace orchestrix::bus::detail {

// Returns a fresh index: 0, 1, 2, ... Thread safe. Defined in src/bus/erased.cpp.
std::uint32_t next_message_type_index() noexcept;

// Dense index of T, assigned on first use (the first call per T per process).
template <MessageBody T>
std::uint32_t message_type_index() noexcept {
  static const std::uint32_t index = next_message_type_index();
  return index;
}

// Operations on an Envelope<T> held behind a void pointer.
struct MessageOps {
  std::uint32_t (*type_index)() noexcept;
  std::size_t size;
  std::size_t align;
  void (*copy_construct)(void* dst, const void* src);  // may throw what T's copy throws
  void (*destroy)(void* p) noexcept;
  const Metadata& (*metadata)(const void* p) noexcept;
};

template <MessageBody T>
inline constexpr MessageOps message_ops{
    &message_type_index<T>,
    sizeof(Envelope<T>),
    alignof(Envelope<T>),
    [](void* dst, const void* src) {
      ::new (dst) Envelope<T>(*static_cast<const Envelope<T>*>(src));
    },
    [](void* p) noexcept { static_cast<Envelope<T>*>(p)->~Envelope<T>(); },
    [](const void* p) noexcept -> const Metadata& {
      return static_cast<const Envelope<T>*>(p)->metadata;
    },
};

// A subscribed handler. The bus owns it (and destroys it through the virtual destructor); publish
// calls it through a plain function pointer, invoker(), which the bus copies next to the handler's
// `alive` flag so that a call needs no virtual-table load. The function receives an Envelope<T>.
class HandlerBase {
 public:
  using InvokeFn = void (*)(HandlerBase& self, const void* envelope);

  virtual ~HandlerBase() = default;
  HandlerBase(const HandlerBase&) = delete;
  HandlerBase& operator=(const HandlerBase&) = delete;

  // Call as invoker()(*this, envelope).
  InvokeFn invoker() const noexcept { return invoke_; }

 protected:
  explicit HandlerBase(InvokeFn invoke) noexcept : invoke_(invoke) {}

 private:
  InvokeFn invoke_;
};

template <MessageBody T, class F>
class TypedHandler final : public HandlerBase {
 public:
  explicit TypedHandler(F f) : HandlerBase(&call), f_(std::move(f)) {}

 private:
  static void call(HandlerBase& self, const void* envelope) {
    F& f = static_cast<TypedHandler&>(self).f_;
    const auto& e = *static_cast<const Envelope<T>*>(envelope);
    if constexpr (std::is_invocable_v<F&, const Envelope<T>&>) {
      f(e);
    } else {
      f(e.body);
    }
  }

  F f_;
};

}  // namespace orchestrix::bus::detail
