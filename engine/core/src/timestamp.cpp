#include "orchestrix/timestamp.hpp"

#include <cstdio>
#include <ctime>

namespace orchestrix {

Timestamp Timestamp::now() noexcept {
  return Timestamp{std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count()};
}

std::chrono::system_clock::time_point Timestamp::time_point() const noexcept {
  return std::chrono::system_clock::time_point{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds{nanos_})};
}

std::string Timestamp::to_rfc3339() const {
  std::int64_t secs = nanos_ / 1'000'000'000;
  std::int64_t frac = nanos_ % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  const auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac));
  return buf;
}

}  // namespace orchestrix
