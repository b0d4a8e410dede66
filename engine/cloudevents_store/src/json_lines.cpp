#include "json_lines.hpp"

#include <cstring>

namespace orchestrix::cloudevents::detail {
namespace {

bool blank(std::string_view line) noexcept {
  for (const char c : line) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

}  // namespace

std::size_t line_of_event(std::string_view text, std::size_t index) noexcept {
  std::size_t line = 0;
  std::size_t events = 0;
  while (!text.empty()) {
    ++line;
    const std::size_t nl = text.find('\n');
    const std::string_view content = text.substr(0, nl);
    if (!blank(content)) {
      if (events == index) return line;
      ++events;
    }
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  return 0;
}

}  // namespace orchestrix::cloudevents::detail
