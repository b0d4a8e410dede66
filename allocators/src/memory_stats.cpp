#include "orchestrix/alloc/memory_stats.hpp"

namespace orchestrix::alloc {

std::string to_string(const MemoryStats& stats) {
  std::string out;
  for_each_field(stats, [&](const char* name, std::uint64_t value) {
    out += name;
    out += ": ";
    out += std::to_string(value);
    out += '\n';
  });
  out += "size classes:\n";
  for (std::size_t i = 0; i < SizeClassHistogram::kCount; ++i) {
    const std::uint64_t count = stats.size_classes.allocations[i];
    if (count == 0) continue;
    if (i + 1 == SizeClassHistogram::kCount) {
      out += "  >  " + std::to_string(SizeClassHistogram::max_bytes_of(i - 1));
    } else {
      out += "  <= " + std::to_string(SizeClassHistogram::max_bytes_of(i));
    }
    out += " B: " + std::to_string(count) + '\n';
  }
  return out;
}

std::string to_json(const MemoryStats& stats) {
  std::string out = "{";
  for_each_field(stats, [&](const char* name, std::uint64_t value) {
    out += '"';
    out += name;
    out += "\":";
    out += std::to_string(value);
    out += ',';
  });
  out += "\"size_classes\":[";
  bool first = true;
  for (std::size_t i = 0; i < SizeClassHistogram::kCount; ++i) {
    const std::uint64_t count = stats.size_classes.allocations[i];
    if (count == 0) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"max_bytes\":";
    out += i + 1 == SizeClassHistogram::kCount
               ? std::string("null")
               : std::to_string(SizeClassHistogram::max_bytes_of(i));
    out += ",\"allocations\":" + std::to_string(count) + '}';
  }
  out += "]}";
  return out;
}

}  // namespace orchestrix::alloc
