// orchestrix/bus/symbol.hpp — interned strings for message type names and other repeated labels.
//
// A Symbol is a pointer-sized handle to a string kept in a process-wide intern table. Two Symbols
// made from equal text are equal and compare in O(1) (pointer comparison). Envelopes store their
// CloudEvents "type", "source", "datacontenttype" and "dataschema" as Symbols, so creating or
// copying an envelope never copies or allocates those strings.
//
// Ownership and memory cost: interned text lives until the process exits (it is never freed).
// Each distinct text costs one heap node of about 64 bytes plus its characters, taken from the
// global heap (not from a pmr resource). Intern labels, not per-message data: an unbounded set of
// distinct texts grows the table without bound.
//
// Thread safety: Symbol values are plain data and may be copied and read from any thread.
// Symbol::intern() may be called from any number of threads at once; it takes a mutex, so hot
// code should intern once (e.g. into a function-local static) and reuse the Symbol.
//
// Example:
//   static const Symbol kSource = Symbol::intern("/orders");
//   options.source = kSource;
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace orchestrix::bus {

class Symbol {
 public:
  // The empty symbol: text() is "" and empty() is true. Never allocates.
  constexpr Symbol() noexcept = default;

  // Returns the Symbol for `text`, adding it to the intern table on first use.
  // Throws std::bad_alloc if the table cannot grow (the table is then unchanged).
  // An empty `text` returns the empty symbol without touching the table.
  static Symbol intern(std::string_view text);

  // The interned characters. The view stays valid until the process exits.
  constexpr std::string_view text() const noexcept {
    return text_ == nullptr ? std::string_view{} : *text_;
  }
  constexpr bool empty() const noexcept { return text_ == nullptr; }

  // Equal text <=> equal symbol (one table per process), so this is a pointer comparison.
  friend constexpr bool operator==(Symbol a, Symbol b) noexcept { return a.text_ == b.text_; }

  // Stable for the life of the process; usable as a hash key.
  std::size_t hash() const noexcept { return std::hash<const void*>{}(text_); }

 private:
  constexpr explicit Symbol(const std::string_view* text) noexcept : text_(text) {}
  const std::string_view* text_ = nullptr;
};

}  // namespace orchestrix::bus
