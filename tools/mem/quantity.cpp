#include "quantity.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <optional>

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

// "2.5e6M" -> 2.5e6 * the factor of "M" in `units`; a bare number is scaled by `bare_factor`.
// nullopt when no finite number leads or the suffix is not one of `units`.
template <std::size_t N>
std::optional<double> scaled(std::string_view text, const std::array<Unit, N>& units,
                             double bare_factor) {
  double number = 0;
  // from_chars takes no leading '+'; a leading '-' is parsed and refused by the range checks.
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), number, std::chars_format::general);
  if (ec != std::errc{} || !std::isfinite(number)) return std::nullopt;
  const std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (suffix.empty()) return number * bare_factor;
  for (const Unit& u : units) {
    if (u.suffix == suffix) return number * u.factor;
  }
  return std::nullopt;
}

}  // namespace

Parsed<std::uint64_t> parse_count(std::string_view text, std::uint64_t min, std::uint64_t max) {
  const std::string accepted = fmt::format(
      "a whole number from {} to {}, such as 1000000, 1e6 or 1M (k = 10^3, M = "
      "10^6, G = 10^9)",
      min, max);
  const std::optional<double> scaled_value = scaled(text, kCountUnits, 1);
  if (!scaled_value) return fmt::format("'{}' is not a count: expected {}", text, accepted);
  const double value = *scaled_value;
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
  const std::optional<double> value = scaled(text, kSizeUnits, 1e6);
  if (!value) return fmt::format("'{}' is not a size: expected {}", text, accepted);
  const double bytes = std::floor(*value);
  if (!(*value > 0) || bytes < static_cast<double>(min_bytes) ||
      bytes > static_cast<double>(max_bytes)) {
    return fmt::format("'{}' is out of range: expected {}", text, accepted);
  }
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace orchestrix::tools
