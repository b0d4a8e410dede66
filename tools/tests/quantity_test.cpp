#include "quantity.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <variant>

using orchestrix::tools::parse_count;
using orchestrix::tools::parse_size_mb;

namespace {

constexpr std::uint64_t kMax = 100'000'000;

std::uint64_t count(const char* text) {
  return std::get<std::uint64_t>(parse_count(text, 1, kMax));
}
std::string count_error(const char* text) {
  return std::get<std::string>(parse_count(text, 1, kMax));
}
std::uint64_t size(const char* text) {
  return std::get<std::uint64_t>(parse_size_mb(text, 1, 1'000'000'000'000'000));
}
std::string size_error(const char* text) {
  return std::get<std::string>(parse_size_mb(text, 1, 1'000'000'000'000'000));
}

}  // namespace

TEST_CASE("counts accept plain, scientific and suffixed forms") {
  CHECK(count("1000000") == 1'000'000);
  CHECK(count("1e6") == 1'000'000);
  CHECK(count("2.5e6") == 2'500'000);
  CHECK(count("1M") == 1'000'000);
  CHECK(count("250k") == 250'000);
  CHECK(count("250K") == 250'000);
  CHECK(count("0.1G") == 100'000'000);
  CHECK(count("1") == 1);
}

TEST_CASE("a count that is not one says so and what is accepted") {
  CHECK(count_error("abc").find("'abc' is not a count") == 0);
  CHECK(count_error("1MB").find("is not a count") != std::string::npos);
  CHECK(count_error("1.5").find("is not a whole number") != std::string::npos);
  CHECK(count_error("0").find("is out of range") != std::string::npos);
  CHECK(count_error("-5").find("is out of range") != std::string::npos);
  CHECK(count_error("2e8").find("is out of range") != std::string::npos);
  CHECK(count_error("").find("is not a count") != std::string::npos);
  CHECK(std::get<std::string>(parse_count("1e6", 1, 10)).find("from 1 to 10") != std::string::npos);
}

TEST_CASE("sizes are in MB unless a unit says otherwise") {
  CHECK(size("64") == 64'000'000);
  CHECK(size("0.5") == 500'000);
  CHECK(size("64MB") == 64'000'000);
  CHECK(size("1GB") == 1'000'000'000);
  CHECK(size("1GiB") == 1'073'741'824);
  CHECK(size("512KiB") == 524'288);
  CHECK(size("100kB") == 100'000);
  CHECK(size("4096B") == 4096);
  CHECK(size("1e3") == 1'000'000'000);
}

TEST_CASE("a size that is not one, or is not positive, says so without a huge number") {
  CHECK(size_error("0").find("'0' is out of range") == 0);
  CHECK(size_error("-1").find("is out of range") != std::string::npos);
  CHECK(size_error("1XB").find("is not a size") != std::string::npos);
  CHECK(size_error("GB").find("is not a size") != std::string::npos);
  CHECK(size_error("2PB").find("is not a size") != std::string::npos);
  CHECK(size_error("0.1B").find("is out of range") != std::string::npos);
  CHECK(size_error("1e300").find("is out of range") != std::string::npos);
  for (const char* bad : {"0", "-1", "1XB"}) {
    CHECK(size_error(bad).size() < 300);  // no 309-digit bound in the message
  }
}
