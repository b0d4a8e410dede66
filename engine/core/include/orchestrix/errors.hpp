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
#include <system_error>

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

// A file operation failed (the durable file layer, engine/durable): what() reads
// "<operation> '<path>': <system message>". path(): the file or directory concerned;
// error_number(): the errno the system reported (0 when the layer itself refused, e.g. a log
// that is unusable after an earlier failed sync; what() then says why). Copying the error copies
// the path (a std::string on the default heap, like every error here).
class IoError : public Error {
 public:
  IoError(std::string_view operation, std::string_view path, int error_number)
      : Error(std::string(operation) + " '" + std::string(path) + "': " +
              (error_number != 0 ? std::generic_category().message(error_number)
                                 : std::string("refused"))),
        path_(path),
        error_number_(error_number) {}

  const std::string& path() const noexcept { return path_; }
  int error_number() const noexcept { return error_number_; }

 private:
  std::string path_;
  int error_number_;
};

// A file's bytes are not what the durable file layer wrote (engine/durable): a checksum that does
// not match, a frame that cannot be one, a header of another format, a newer format version, a
// file of another store. what() reads "<path> at byte <offset>: <what>". kind() says which case;
// offset() is the byte offset in the file where the bad data starts. Nothing read from a file
// that raised it was returned to the caller past that offset.
class CorruptionError : public Error {
 public:
  enum class Kind {
    kBadChecksum,   // a frame or header whose CRC32C does not match its bytes
    kBadFrame,      // a frame header that cannot be valid (type 0, length out of range)
    kTruncated,     // the file is shorter than its fixed header
    kNotALogFile,   // the magic bytes are not this format's
    kNewerVersion,  // a format version newer than this build reads
    kForeignStore,  // the file belongs to another store (store id mismatch)
  };

  CorruptionError(Kind kind, std::string_view path, std::uint64_t offset, std::string_view what)
      : Error(std::string(path) + " at byte " + std::to_string(offset) + ": " + std::string(what)),
        kind_(kind),
        path_(path),
        offset_(offset) {}

  Kind kind() const noexcept { return kind_; }
  const std::string& path() const noexcept { return path_; }
  std::uint64_t offset() const noexcept { return offset_; }

 private:
  Kind kind_;
  std::string path_;
  std::uint64_t offset_;
};

}  // namespace orchestrix
