// Counts and sizes as users type them on orchestrix-mem's command line.
//
//   counts: 1000000, 1e6, 2.5e6, 1M, 250k, 1G   (k/K = 10^3, M = 10^6, G = 10^9; whole numbers)
//   sizes:  64, 64MB, 0.5GB, 1GiB, 512KiB, 100kB (B, kB/KB, MB, GB, TB = powers of 10^3;
//           KiB, MiB, GiB, TiB = powers of 2^10; a bare number is in MB)
//
// Parsing never throws: a value is returned or an error message that says what was wrong and
// what is accepted, ready to print after the option's name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace orchestrix::tools {

// Either the value or the reason it was refused.
template <class T>
using Parsed = std::variant<T, std::string>;

// A positive whole count within [min, max].
Parsed<std::uint64_t> parse_count(std::string_view text, std::uint64_t min, std::uint64_t max);

// A positive size in bytes within [min_bytes, max_bytes]; a bare number is in MB (10^6 bytes),
// the unit of the options that take sizes.
Parsed<std::uint64_t> parse_size_mb(std::string_view text, std::uint64_t min_bytes,
                                    std::uint64_t max_bytes);

}  // namespace orchestrix::tools
