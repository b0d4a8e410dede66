// orchestrix/bus/message.hpp — typed messages (commands and events) with CloudEvents metadata.
//
// A message is an Envelope<T>: CloudEvents metadata plus a typed body T. The body type says,
// once, whether it is a command or an event and what its CloudEvents "type" is:
//
//   struct PlaceOrder {
//     static constexpr MessageKind message_kind = MessageKind::kCommand;
//     static constexpr std::string_view message_type = "orders.PlaceOrder";
//     std::string order_id;
//     int quantity = 0;
//   };
//   auto msg = make_message(PlaceOrder{"o-1", 3}, {.subject = "order-1"});
//
// (A type you cannot change can specialise message_traits<T> instead.) Commands and events are
// distinct kinds at compile time (CommandBody / EventBody) and at run time (Metadata::kind).
//
// Memory cost: the metadata is 128 bytes inline; ids are 16 raw bytes, the type/source/content
// type/schema are interned Symbols (8 bytes each, never copied), and the subject is a
// std::string (no allocation up to 15 characters with libstdc++'s small-string buffer). Creating
// an envelope with make_message() takes one UUIDv7 and one clock read; it allocates only for a
// long subject and for whatever the body itself allocates.
//
// Thread safety: envelopes are values; a const Envelope may be read from any number of threads.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "orchestrix/bus/symbol.hpp"
#include "orchestrix/timestamp.hpp"
#include "orchestrix/uuid.hpp"

namespace orchestrix::bus {

// Commands ask for something to happen (usually one handler); events say that it happened (any
// number of handlers). The bus delivers both the same way; the kind is carried for handlers,
// dead-letter inspection and routing decisions.
enum class MessageKind : std::uint8_t { kCommand, kEvent };

// The compile-time description of a body type. The default reads two static members of T,
// `message_kind` and `message_type`; specialise it for types you cannot change.
template <class T>
struct message_traits {};  // not a message body

template <class T>
requires requires {
  { T::message_kind } -> std::convertible_to<MessageKind>;
  { T::message_type } -> std::convertible_to<std::string_view>;
}
struct message_traits<T> {
  static constexpr MessageKind kind = T::message_kind;
  static constexpr std::string_view type = T::message_type;
};

// A type usable as a message body: described by message_traits, copyable (the dead-letter queue
// and the async bus keep copies), and not a reference, array or cv-qualified type.
template <class T>
concept MessageBody =
    std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T> && !std::is_array_v<T> &&
    std::is_copy_constructible_v<T> && std::is_nothrow_destructible_v<T> && requires {
  { message_traits<T>::kind } -> std::convertible_to<MessageKind>;
  { message_traits<T>::type } -> std::convertible_to<std::string_view>;
};

// (The kind comparison is left unparenthesised: clang-format 14 reads `&& (` as an rvalue
// reference and glues the two together.)
template <class T>
concept CommandBody = MessageBody<T> && message_traits<T>::kind == MessageKind::kCommand;
template <class T>
concept EventBody = MessageBody<T> && message_traits<T>::kind == MessageKind::kEvent;

// CloudEvents 1.0 context attributes plus the correlation/causation ids of the original
// framework. Field names follow CloudEvents where C++ allows (datacontenttype -> content_type).
struct Metadata {
  Uuid id{};                             // "id": unique per message; UUIDv7 by default
  Timestamp time{};                      // "time": creation time, nanoseconds since the Unix epoch
  Symbol type{};                         // "type": message_traits<T>::type, interned
  Symbol source{};                       // "source": e.g. "/orders" (empty = not set)
  Symbol content_type{};                 // "datacontenttype" (empty = not set)
  Symbol data_schema{};                  // "dataschema" (empty = not set)
  std::string subject{};                 // "subject": e.g. the aggregate id; the async bus's key
  std::optional<Uuid> correlation_id{};  // the conversation this message belongs to
  std::optional<Uuid> causation_id{};    // the message that caused this one
  MessageKind kind = MessageKind::kEvent;
};

// The message handed to handlers: metadata plus the typed body. Plain aggregate; copyable and
// movable when T is. Handlers receive it by const reference and must not keep the reference
// past their return (copy the envelope to keep it): the publisher owns the original, and the
// async bus destroys its queued copy once the handlers have run.
template <MessageBody T>
struct Envelope {
  using body_type = T;
  static constexpr MessageKind kind = message_traits<T>::kind;

  Metadata metadata;
  T body;
};

// Optional fields for make_message(). Unset ids and time are generated. The subject is copied
// into the envelope; the options object may be a temporary. Designated initializers read well:
//   make_message(body, {.subject = "order-1", .source = kSource})
struct MessageOptions {
  std::string_view subject{};
  Symbol source{};
  Symbol content_type{};
  Symbol data_schema{};
  std::optional<Uuid> id{};         // default: Uuid::v7()
  std::optional<Timestamp> time{};  // default: Timestamp::now()
  std::optional<Uuid> correlation_id{};
  std::optional<Uuid> causation_id{};

  // Marks the new message as caused by `cause`: causation = cause.id, correlation = the cause's
  // correlation id if it has one, else the cause's id (the conversation starts there).
  MessageOptions& caused_by(const Metadata& cause) noexcept {
    causation_id = cause.id;
    correlation_id = cause.correlation_id ? cause.correlation_id : std::optional<Uuid>{cause.id};
    return *this;
  }
};

// The interned CloudEvents type of T; interned on the first call, then a cached load.
template <MessageBody T>
Symbol message_type_symbol() {
  static const Symbol symbol = Symbol::intern(message_traits<T>::type);
  return symbol;
}

// Builds an envelope around `body`. Throws std::bad_alloc only if the subject (over 15 chars)
// or the first interning of T's type name cannot allocate.
template <MessageBody T>
Envelope<std::remove_cvref_t<T>> make_message(T body, const MessageOptions& options = {}) {
  Envelope<T> envelope{Metadata{
                           .id = options.id ? *options.id : Uuid::v7(),
                           .time = options.time ? *options.time : Timestamp::now(),
                           .type = message_type_symbol<T>(),
                           .source = options.source,
                           .content_type = options.content_type,
                           .data_schema = options.data_schema,
                           .subject = std::string(options.subject),
                           .correlation_id = options.correlation_id,
                           .causation_id = options.causation_id,
                           .kind = message_traits<T>::kind,
                       },
                       std::move(body)};
  return envelope;
}

}  // namespace orchestrix::bus
