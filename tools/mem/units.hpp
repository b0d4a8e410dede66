// Unit conversions shared by orchestrix-mem's printers: MB (10^6 bytes), bytes per event,
// millions of events per second. Each returns 0 for a zero divisor.
#pragma once

#include <cstdint>

namespace orchestrix::tools {

inline double mb(std::uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

inline double per_event(std::uint64_t bytes, std::uint64_t events) {
  return events == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(events);
}

inline double million_per_second(std::uint64_t events, double seconds) {
  return seconds <= 0 ? 0.0 : static_cast<double>(events) / seconds / 1e6;
}

}  // namespace orchestrix::tools
