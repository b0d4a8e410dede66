// orchestrix/detail/invariant.hpp — INTERNAL: how check_invariants() walks report a violation.
//
// Installed with the public headers because the libraries include it, but not part of the API.
// The walks (the allocators' check_invariants() members, the store's internal walk) are
// debugging aids for tests: a walk that finds a broken invariant throws
// orchestrix::InvariantViolation (errors.hpp) whose what() reads "<structure>: invariant violated:
// <what and where>", so a test can report it and carry on, and so a walk works the same in every
// build (it does not depend on ORCHESTRIX_DCHECKS).
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

#include "orchestrix/errors.hpp"

namespace orchestrix::detail {

inline void append_invariant_part(std::string& text, std::string_view part) { text.append(part); }

template <std::integral T>
requires(!std::same_as<T, bool>) void append_invariant_part(std::string& text, T value) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;  // 24 characters hold every 64-bit integer
  text.append(buf, end);
}

// Throws InvariantViolation("<structure>: invariant violated: " followed by the parts). Parts are
// strings or integers. Allocates (only on the failure path).
template <typename... Parts>
[[noreturn]] void invariant_violated(std::string_view structure, const Parts&... parts) {
  std::string text(structure);
  text.append(": invariant violated: ");
  (append_invariant_part(text, parts), ...);
  throw InvariantViolation(text);
}

}  // namespace orchestrix::detail
