#include "orchestrix/alloc/memory_stats.hpp"

#include "orchestrix/alloc/arena_resource.hpp"
#include "orchestrix/alloc/pool_resource.hpp"
#include "stats_format.hpp"

namespace orchestrix::alloc {

std::string to_string(const MemoryStats& stats) {
  std::string out = detail::fields_to_text(stats);
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
  out += detail::fields_to_json_members(stats);
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

std::string to_string(const ArenaStats& stats) { return detail::fields_to_text(stats); }
std::string to_json(const ArenaStats& stats) { return detail::fields_to_json(stats); }
std::string to_string(const PoolStats& stats) { return detail::fields_to_text(stats); }
std::string to_json(const PoolStats& stats) { return detail::fields_to_json(stats); }

}  // namespace orchestrix::alloc
