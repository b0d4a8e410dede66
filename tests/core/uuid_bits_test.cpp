// Uuid::v4_from_bits and the splitmix64 step behind the reproducible ids.
#include <doctest/doctest.h>

#include <cstdint>

#include "orchestrix/detail/splitmix64.hpp"
#include "orchestrix/uuid.hpp"

using namespace orchestrix;

TEST_CASE("v4_from_bits lays the bits out least significant byte first and sets version 4") {
  const Uuid u = Uuid::v4_from_bits(0x0011223344556677ULL, 0x8899AABBCCDDEEFFULL);
  CHECK(u.version() == 4);
  CHECK((u.bytes()[8] & 0xC0) == 0x80);  // RFC 9562 variant
  CHECK(u.to_string() == "77665544-3322-4100-bfee-ddccbbaa9988");
  CHECK(Uuid::v4_from_bits(0, 0).to_string() == "00000000-0000-4000-8000-000000000000");
  CHECK(Uuid::v4_from_bits(~0ULL, ~0ULL).to_string() == "ffffffff-ffff-4fff-bfff-ffffffffffff");
}

TEST_CASE("splitmix64 yields the reference sequence and advances its state") {
  // First outputs for state 0 (the reference implementation's published values).
  std::uint64_t state = 0;
  CHECK(detail::splitmix64(state) == 0xE220A8397B1DCDAFULL);
  CHECK(detail::splitmix64(state) == 0x6E789E6AA1B965F4ULL);
  CHECK(detail::splitmix64(state) == 0x06C45D188009454FULL);
  CHECK(state == 3 * 0x9E3779B97F4A7C15ULL);
}
