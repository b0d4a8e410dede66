// Internal: where the events of a JSON-lines input are (the Decoder's rule: one event per line,
// lines of only JSON whitespace skipped).
#pragma once

#include <cstddef>
#include <string_view>

namespace orchestrix::cloudevents::detail {

// The 1-based line number of the event at 0-based `index`; 0 when the text has fewer events.
std::size_t line_of_event(std::string_view text, std::size_t index) noexcept;

}  // namespace orchestrix::cloudevents::detail
