#include "uri.hpp"

#include <cstring>

namespace orchestrix::cloudevents::detail {
namespace {

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

bool is_uri_reference(std::string_view text) noexcept {
  static constexpr char kOther[] = "-._~:/?#[]@!$&'()*+,;=";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_alpha(c) || is_digit(c) || (c != '\0' && std::strchr(kOther, c) != nullptr)) continue;
    if (c == '%' && i + 2 < text.size() && is_hex(text[i + 1]) && is_hex(text[i + 2])) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

bool is_absolute_uri(std::string_view text) noexcept {
  if (text.empty() || !is_alpha(text[0])) return false;
  std::size_t i = 1;
  while (i < text.size() && (is_alpha(text[i]) || is_digit(text[i]) || text[i] == '+' ||
                             text[i] == '-' || text[i] == '.')) {
    ++i;
  }
  return i < text.size() && text[i] == ':' && is_uri_reference(text);
}

}  // namespace orchestrix::cloudevents::detail
