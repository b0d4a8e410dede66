// orchestrix/errors.hpp — the typed errors of the public API.
//
// Every error derives from orchestrix::Error (itself a std::runtime_error), so callers can catch
// one base or the specific type. An operation that throws any of these changed nothing.
// The store, the buses and the allocators share the two general ones: InvalidArgument for a bad
// argument or option, UsageError for a call made where its contract forbids it. They throw no
// std::invalid_argument / std::logic_error of their own.
// orchestrix::alloc::BudgetExceeded (a std::bad_alloc, from <orchestrix/alloc/budget_resource.hpp>)
// reaches callers unchanged when a store runs over its memory budget.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace orchestrix {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad input: empty or over-long stream id, empty event type, payload over the maximum record
// size, malformed UUID text, a snapshot beyond the stream's head, an option out of range (store,
// async bus, memory resources), a null upstream resource, ... what() says which.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A call made where the API's contract forbids it, whatever its arguments: e.g.
// AsyncMessageBus::shutdown() from one of the bus's own handlers, StoreSubscription::stop() from
// its own delivery thread (both would otherwise wait for themselves), one register_resource()
// too many. A program error, not a run-time condition to recover from.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A check_invariants() walk (the allocators' members, the store's internal walk used by the
// tests) found a broken internal invariant: a bug in Orchestrix or memory corruption, never a
// consequence of bad input. what() reads "<structure>: invariant violated: <what and where>".
class InvariantViolation : public Error {
 public:
  using Error::Error;
};

// An append's ExpectedVersion did not match the stream (optimistic concurrency conflict).
// expected(): the version the caller expected the stream's last event to have; nullopt for
// ExpectedVersion::no_stream(). actual(): the stream's last version; nullopt when the stream has
// no events. Copying the error copies the stream id (a std::string on the default heap: errors
// are the one place the store allocates outside its memory resource).
class ConcurrencyError : public Error {
 public:
  ConcurrencyError(std::string_view stream, std::optional<std::uint64_t> expected,
                   std::optional<std::uint64_t> actual)
      : Error("concurrency conflict on stream '" + std::string(stream) + "': expected " +
              version_text(expected) + ", actual " + version_text(actual)),
        stream_(stream),
        expected_(expected),
        actual_(actual) {}

  const std::string& stream() const noexcept { return stream_; }
  std::optional<std::uint64_t> expected() const noexcept { return expected_; }
  std::optional<std::uint64_t> actual() const noexcept { return actual_; }

 private:
  static std::string version_text(std::optional<std::uint64_t> v) {
    return v ? "version " + std::to_string(*v) : std::string("no stream");
  }

  std::string stream_;
  std::optional<std::uint64_t> expected_;
  std::optional<std::uint64_t> actual_;
};

// A read asked for events below a stream's retained range (retention + compaction removed them)
// and the caller chose the strict mode. first_retained() is the lowest version still readable.
class ReadBelowRetained : public Error {
 public:
  ReadBelowRetained(std::string_view stream, std::uint64_t requested, std::uint64_t first_retained)
      : Error("read of stream '" + std::string(stream) + "' from version " +
              std::to_string(requested) + " is below its retained range (first retained version " +
              std::to_string(first_retained) + ")"),
        stream_(stream),
        requested_(requested),
        first_retained_(first_retained) {}

  const std::string& stream() const noexcept { return stream_; }
  std::uint64_t requested() const noexcept { return requested_; }
  std::uint64_t first_retained() const noexcept { return first_retained_; }

 private:
  std::string stream_;
  std::uint64_t requested_;
  std::uint64_t first_retained_;
};

}  // namespace orchestrix
