// stats_format.hpp (private) — the text and JSON writers shared by every stats struct that has
// a for_each_field(stats, f) visitor (MemoryStats, ArenaStats, PoolStats).
#pragma once

#include <cstdint>
#include <string>

namespace orchestrix::alloc::detail {

// "name: value\n" per field.
template <typename Stats>
std::string fields_to_text(const Stats& stats) {
  std::string out;
  for_each_field(stats, [&](const char* name, std::uint64_t value) {
    out += name;
    out += ": ";
    out += std::to_string(value);
    out += '\n';
  });
  return out;
}

// "\"name\":value," per field (the caller opens and closes the object).
template <typename Stats>
std::string fields_to_json_members(const Stats& stats) {
  std::string out;
  for_each_field(stats, [&](const char* name, std::uint64_t value) {
    out += '"';
    out += name;
    out += "\":";
    out += std::to_string(value);
    out += ',';
  });
  return out;
}

// A flat JSON object of every field.
template <typename Stats>
std::string fields_to_json(const Stats& stats) {
  // Appends only: g++ 12 warns (-Wrestrict, a false positive) on "{" + std::string.
  std::string out = "{";
  out += fields_to_json_members(stats);
  if (out.back() == ',') out.pop_back();
  out += '}';
  return out;
}

}  // namespace orchestrix::alloc::detail
