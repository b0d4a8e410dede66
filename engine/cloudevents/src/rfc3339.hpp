// RFC 3339 date-time text <-> Timestamp + TimeFormat (cloud_event.hpp).
#pragma once

#include <cstddef>
#include <string_view>

#include "orchestrix/cloudevents/cloud_event.hpp"
#include "orchestrix/timestamp.hpp"

namespace orchestrix::cloudevents::detail {

// Parses `text` ("YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)", "t" and "z" accepted). On
// success returns true; `format.sub_nanosecond_digits` views `text`. On failure returns false and
// sets `why`. Rejected: other shapes, impossible dates, seconds 60 (a leap second has no
// nanosecond timestamp), an empty fraction, instants outside Timestamp's range (1678..2262).
bool parse_rfc3339(std::string_view text, Timestamp& time, TimeFormat& format,
                   const char*& why) noexcept;

// The longest text format_rfc3339 writes, besides the sub-nanosecond digits.
inline constexpr std::size_t kMaxRfc3339Size = 35;

// Writes `time` in `format` to out (room for kMaxRfc3339Size +
// format.sub_nanosecond_digits.size()); returns the number of characters written.
std::size_t format_rfc3339(Timestamp time, const TimeFormat& format, char* out) noexcept;

}  // namespace orchestrix::cloudevents::detail
