#include "quantity.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>

namespace orchestrix::tools {
namespace {

struct Unit {
  std::string_view suffix;
  double factor;
};

constexpr std::array<Unit, 4> kCountUnits{{{"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}}};

constexpr std::array<Unit, 10> kSizeUnits{{{"B", 1},
                                           {"kB", 1e3},
                                           {"KB", 1e3},
                                           {"MB", 1e6},
                                           {"GB", 1e9},
                                           {"TB", 1e12},
                                           {"KiB", 1024.0},
                                           {"MiB", 1024.0 * 1024},
                                           {"GiB", 1024.0 * 1024 * 1024},
                                           {"TiB", 1024.0 * 1024 * 1024 * 1024}}};

// Splits "2.5e6M" into the number 2.5e6 and the suffix "M"; false when no number leads.
bool split_number(std::string_view text, double& number, std::string_view& suffix) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  // from_chars takes no leading '+'; a leading '-' is parsed and refused as not positive.
  const auto [end, ec] = std::from_chars(first, last, number, std::chars_format::general);
  if (ec != std::errc{} || !std::isfinite(number)) return false;
  suffix = std::string_view(end, static_cast<std::size_t>(last - end));
  return true;
}

template <std::size_t N>
bool unit_factor(const std::array<Unit, N>& units, std::string_view suffix, double& factor) {
  for (const Unit& u : units) {
    if (u.suffix == suffix) {
      factor = u.factor;
      return true;
    }
  }
  return false;
}

}  // namespace

Parsed<std::uint64_t> parse_count(std::string_view text, std::uint64_t min, std::uint64_t max) {
  const std::string accepted = fmt::format(
      "a whole number from {} to {}, such as 1000000, 1e6 or 1M (k = 10^3, M = "
      "10^6, G = 10^9)",
      min, max);
  double number = 0;
  std::string_view suffix;
  double factor = 1;
  if (!split_number(text, number, suffix) ||
      (!suffix.empty() && !unit_factor(kCountUnits, suffix, factor))) {
    return fmt::format("'{}' is not a count: expected {}", text, accepted);
  }
  const double value = number * factor;
  if (value != std::floor(value)) {
    return fmt::format("'{}' is not a whole number: expected {}", text, accepted);
  }
  if (value < static_cast<double>(min) || value > static_cast<double>(max)) {
    return fmt::format("'{}' is out of range: expected {}", text, accepted);
  }
  return static_cast<std::uint64_t>(value);
}

Parsed<std::uint64_t> parse_size_mb(std::string_view text, std::uint64_t min_bytes,
                                    std::uint64_t max_bytes) {
  const std::string accepted = fmt::format(
      "a size from {} to {} bytes: a number in MB (10^6 bytes) or with a unit, such as 64, "
      "64MB, 0.5GB, 1GiB or 512KiB (B, kB, MB, GB, TB; KiB, MiB, GiB, TiB)",
      min_bytes, max_bytes);
  double number = 0;
  std::string_view suffix;
  double factor = 1e6;
  if (!split_number(text, number, suffix) ||
      (!suffix.empty() && !unit_factor(kSizeUnits, suffix, factor))) {
    return fmt::format("'{}' is not a size: expected {}", text, accepted);
  }
  const double bytes = std::floor(number * factor);
  if (!(number > 0) || bytes < static_cast<double>(min_bytes) ||
      bytes > static_cast<double>(max_bytes)) {
    return fmt::format("'{}' is out of range: expected {}", text, accepted);
  }
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace orchestrix::tools
