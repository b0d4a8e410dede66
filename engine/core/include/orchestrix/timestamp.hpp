// orchestrix/timestamp.hpp — wall-clock time with nanosecond resolution (CloudEvents "time").
//
// A Timestamp is nanoseconds since the Unix epoch (UTC) in a signed 64-bit integer, which covers
// the years 1678..2262. It is trivially copyable and never allocates. Thread safe: plain data.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>

namespace orchestrix {

class Timestamp {
 public:
  constexpr Timestamp() noexcept = default;
  constexpr explicit Timestamp(std::int64_t unix_nanos) noexcept : nanos_(unix_nanos) {}

  // The current time of std::chrono::system_clock, in nanoseconds.
  static Timestamp now() noexcept;

  constexpr std::int64_t unix_nanos() const noexcept { return nanos_; }
  std::chrono::system_clock::time_point time_point() const noexcept;

  // RFC 3339 form with nanoseconds, e.g. "2026-11-27T09:30:00.123456789Z" (the CloudEvents form).
  std::string to_rfc3339() const;

  friend constexpr bool operator==(Timestamp, Timestamp) noexcept = default;
  friend constexpr auto operator<=>(Timestamp, Timestamp) noexcept = default;

 private:
  std::int64_t nanos_ = 0;
};

}  // namespace orchestrix
