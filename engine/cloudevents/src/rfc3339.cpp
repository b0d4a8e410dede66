#include "rfc3339.hpp"

#include <cstdint>

namespace orchestrix::cloudevents::detail {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

constexpr Civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool is_leap(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) noexcept {
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

char* put2(char* out, unsigned v) noexcept {
  *out++ = static_cast<char>('0' + v / 10);
  *out++ = static_cast<char>('0' + v % 10);
  return out;
}

}  // namespace

bool parse_rfc3339(std::string_view text, Timestamp& time, TimeFormat& format,
                   const char*& why) noexcept {
  const std::string_view s = text;
  why = "not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm))";
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return false;
  }
  unsigned year = 0;
  unsigned month = 0;
  unsigned day = 0;
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  if (!digits(s, 0, 4, year) || !digits(s, 5, 2, month) || !digits(s, 8, 2, day) ||
      !digits(s, 11, 2, hour) || !digits(s, 14, 2, minute) || !digits(s, 17, 2, second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
    why = "no such date";
    return false;
  }
  if (hour > 23 || minute > 59 || second > 59) {
    why = second == 60 ? "a leap second (:60) has no nanosecond timestamp" : "no such time of day";
    return false;
  }
  std::size_t pos = 19;
  TimeFormat f;
  std::int64_t nanos = 0;
  if (s[pos] == '.') {
    ++pos;
    const std::size_t begin = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    const std::size_t n = pos - begin;
    if (n == 0) {
      why = "a '.' without fraction digits";
      return false;
    }
    for (std::size_t i = 0; i < 9; ++i) {
      nanos = nanos * 10 + (i < n ? s[begin + i] - '0' : 0);
    }
    f.fraction_digits = static_cast<std::uint8_t>(n < 9 ? n : 9);
    if (n > 9) f.sub_nanosecond_digits = s.substr(begin + 9, n - 9);
  }
  std::int64_t offset_seconds = 0;
  if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    f.offset = UtcOffset::kZulu;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    unsigned oh = 0;
    unsigned om = 0;
    if (!digits(s, pos + 1, 2, oh) || !digits(s, pos + 4, 2, om)) return false;
    if (oh > 23 || om > 59) {
      why = "no such UTC offset";
      return false;
    }
    f.offset = s[pos] == '+' ? UtcOffset::kPlus : UtcOffset::kMinus;
    f.offset_minutes = static_cast<std::uint16_t>(oh * 60 + om);
    offset_seconds = static_cast<std::int64_t>(f.offset_minutes) * 60;
    if (f.offset == UtcOffset::kMinus) offset_seconds = -offset_seconds;
  } else {
    return false;
  }
  const std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 +
                               minute * 60 + second - offset_seconds;
  std::int64_t total = 0;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &total) ||
      __builtin_add_overflow(total, nanos, &total)) {
    why = "outside the representable range (1678..2262)";
    return false;
  }
  time = Timestamp(total);
  format = f;
  why = nullptr;
  return true;
}

std::size_t format_rfc3339(Timestamp time, const TimeFormat& format, char* out) noexcept {
  std::int64_t secs = time.unix_nanos() / kNanosPerSecond;
  std::int64_t frac = time.unix_nanos() % kNanosPerSecond;
  if (frac < 0) {
    frac += kNanosPerSecond;
    --secs;
  }
  std::int64_t offset_seconds = static_cast<std::int64_t>(format.offset_minutes) * 60;
  if (format.offset == UtcOffset::kMinus) offset_seconds = -offset_seconds;
  if (format.offset == UtcOffset::kZulu) offset_seconds = 0;
  secs += offset_seconds;
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const Civil c = civil_from_days(days);
  char* const start = out;
  auto y = static_cast<unsigned>(c.year < 0 ? 0 : c.year % 10000);
  *out++ = static_cast<char>('0' + y / 1000);
  *out++ = static_cast<char>('0' + y / 100 % 10);
  out = put2(out, y % 100);
  *out++ = '-';
  out = put2(out, c.month);
  *out++ = '-';
  out = put2(out, c.day);
  *out++ = 'T';
  out = put2(out, static_cast<unsigned>(rem / 3600));
  *out++ = ':';
  out = put2(out, static_cast<unsigned>(rem / 60 % 60));
  *out++ = ':';
  out = put2(out, static_cast<unsigned>(rem % 60));
  const unsigned n = format.fraction_digits < 9 ? format.fraction_digits : 9;
  if (n > 0) {
    *out++ = '.';
    char nine[9];
    for (int i = 8; i >= 0; --i) {
      nine[i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    for (unsigned i = 0; i < n; ++i) *out++ = nine[i];
    for (const char d : format.sub_nanosecond_digits) *out++ = d;
  }
  if (format.offset == UtcOffset::kZulu) {
    *out++ = 'Z';
  } else {
    *out++ = format.offset == UtcOffset::kPlus ? '+' : '-';
    out = put2(out, format.offset_minutes / 60 % 100);
    *out++ = ':';
    out = put2(out, format.offset_minutes % 60);
  }
  return static_cast<std::size_t>(out - start);
}

}  // namespace orchestrix::cloudevents::detail
