// CRC32C: the RFC 3720 (iSCSI) test vectors, hardware against portable, extension, masking.
#include <doctest/doctest.h>

#include <array>
#include <orchestrix/detail/splitmix64.hpp>
#include <orchestrix/durable/crc32c.hpp>
#include <vector>

namespace crc = orchestrix::durable::crc32c;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

std::vector<std::byte> filled(std::size_t n, int (*f)(std::size_t)) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>(f(i));
  return out;
}

}  // namespace

TEST_CASE("crc32c: RFC 3720 B.4 test vectors, through both implementations") {
  const std::vector<std::byte> zeros = filled(32, [](std::size_t) { return 0; });
  const std::vector<std::byte> ones = filled(32, [](std::size_t) { return 0xff; });
  const std::vector<std::byte> up = filled(32, [](std::size_t i) { return static_cast<int>(i); });
  const std::vector<std::byte> down =
      filled(32, [](std::size_t i) { return static_cast<int>(31 - i); });
  const std::vector<std::byte> read_pdu =
      bytes({0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
             0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
             0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
             0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
  const std::vector<std::byte> digits = bytes({'1', '2', '3', '4', '5', '6', '7', '8', '9'});

  struct Vector {
    const std::vector<std::byte>* data;
    std::uint32_t crc;
  };
  const std::array<Vector, 6> vectors = {{{&zeros, 0x8a9136aaU},
                                          {&ones, 0x62a8ab43U},
                                          {&up, 0x46dd794eU},
                                          {&down, 0x113fdb5cU},
                                          {&read_pdu, 0xd9963a56U},
                                          {&digits, 0xe3069283U}}};
  for (const Vector& v : vectors) {
    CHECK(crc::value(*v.data) == v.crc);
    CHECK(crc::portable_extend(0, *v.data) == v.crc);
    if (crc::has_hardware()) CHECK(crc::hardware_extend(0, *v.data) == v.crc);
  }
  CHECK(crc::value({}) == 0);
}

TEST_CASE("crc32c: hardware and portable agree, and extend() resumes at any split") {
  std::uint64_t state = 7;
  for (std::size_t n = 0; n < 300; ++n) {
    std::vector<std::byte> data(n);
    for (std::byte& b : data) b = static_cast<std::byte>(orchestrix::detail::splitmix64(state));
    const std::uint32_t whole = crc::portable_extend(0, data);
    if (crc::has_hardware()) CHECK(crc::hardware_extend(0, data) == whole);
    const std::size_t split = n == 0 ? 0 : orchestrix::detail::splitmix64(state) % (n + 1);
    const std::span<const std::byte> all(data);
    CHECK(crc::extend(crc::value(all.first(split)), all.subspan(split)) == whole);
    CHECK(crc::portable_extend(crc::portable_extend(0, all.first(split)), all.subspan(split)) ==
          whole);
  }
}

TEST_CASE("crc32c: mask is invertible and moves the value") {
  std::uint64_t state = 11;
  for (int i = 0; i < 1000; ++i) {
    const auto v = static_cast<std::uint32_t>(orchestrix::detail::splitmix64(state));
    CHECK(crc::unmask(crc::mask(v)) == v);
    CHECK(crc::mask(v) != v);
  }
  CHECK(crc::mask(0) == crc::kMaskDelta);
}
