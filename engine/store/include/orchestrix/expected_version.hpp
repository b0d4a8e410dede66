// orchestrix/expected_version.hpp — optimistic concurrency condition of an append.
//
// Versions are 0-based: a stream's first event has version 0. An append states what it expects
// the stream to look like right before it:
//   ExpectedVersion::any()        no check;
//   ExpectedVersion::no_stream()  the stream has no events yet;
//   ExpectedVersion::exact(v)     the stream's last event has version v.
// A mismatch throws ConcurrencyError (errors.hpp) and appends nothing. Plain value, thread safe.
#pragma once

#include <cstdint>

namespace orchestrix {

class ExpectedVersion {
 public:
  enum class Kind : std::uint8_t { kAny, kNoStream, kExact };

  // No check: append at the stream's head, whatever it is (creates the stream if needed).
  static constexpr ExpectedVersion any() noexcept { return ExpectedVersion{Kind::kAny, 0}; }
  // The stream must have no events (creation of a new aggregate).
  static constexpr ExpectedVersion no_stream() noexcept {
    return ExpectedVersion{Kind::kNoStream, 0};
  }
  // The stream's last event must have version `last_version` (it has last_version + 1 events):
  // the usual "I loaded up to version v, here are my new events" check.
  static constexpr ExpectedVersion exact(std::uint64_t last_version) noexcept {
    return ExpectedVersion{Kind::kExact, last_version};
  }

  constexpr Kind kind() const noexcept { return kind_; }
  // The expected last version; meaningful only for kind() == kExact.
  constexpr std::uint64_t version() const noexcept { return version_; }

  friend constexpr bool operator==(ExpectedVersion, ExpectedVersion) noexcept = default;

 private:
  constexpr ExpectedVersion(Kind kind, std::uint64_t version) noexcept
      : kind_(kind), version_(version) {}

  Kind kind_;
  std::uint64_t version_;
};

}  // namespace orchestrix
