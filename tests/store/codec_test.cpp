// Unit tests of the internal record codec and varints.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "format/record_codec.hpp"
#include "format/varint.hpp"

using namespace orchestrix;
using namespace orchestrix::detail;

TEST_CASE("varints round-trip and have the documented sizes") {
  const std::uint64_t values[] = {
      0, 1, 127, 128, 16383, 16384, 1ull << 35, std::numeric_limits<std::uint64_t>::max()};
  for (std::uint64_t v : values) {
    std::array<std::byte, 10> buf{};
    std::byte* end = put_varint(buf.data(), v);
    CHECK(static_cast<std::size_t>(end - buf.data()) == varint_size(v));
    std::uint64_t back = 0;
    CHECK(get_varint(buf.data(), back) == end);
    CHECK(back == v);
  }
  CHECK(varint_size(127) == 1);
  CHECK(varint_size(128) == 2);
  CHECK(varint_size(std::numeric_limits<std::uint64_t>::max()) == 10);
}

TEST_CASE("zigzag maps small magnitudes of either sign to small numbers") {
  const std::int64_t values[] = {0,
                                 1,
                                 -1,
                                 63,
                                 -64,
                                 std::int64_t{1} << 40,
                                 -(std::int64_t{1} << 40),
                                 std::numeric_limits<std::int64_t>::min(),
                                 std::numeric_limits<std::int64_t>::max()};
  for (std::int64_t v : values) {
    CHECK(unzigzag(zigzag(v)) == v);
  }
  CHECK(zigzag(-1) == 1);
  CHECK(zigzag(1) == 2);
  CHECK(varint_size(zigzag(-64)) == 1);
}

TEST_CASE("time deltas of any two times round-trip and ordinary deltas keep their size") {
  constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  const std::int64_t times[] = {lo, lo + 1, -1, 0, 1, 1'767'225'600'000'000'000, hi - 1, hi};
  for (std::int64_t t : times) {
    for (std::int64_t previous : times) {
      CAPTURE(t);
      CAPTURE(previous);
      CHECK(add_time_delta(previous, time_delta(t, previous)) == t);
    }
  }
  // A difference that fits an int64 is stored as itself (same zigzag varint as ever).
  CHECK(time_delta(1'767'225'600'000'000'250, 1'767'225'600'000'000'000) == 250);
  CHECK(time_delta(0, 5) == -5);
  CHECK(varint_size(zigzag(time_delta(1'000'000'025, 1'000'000'000))) == 1);
  static_assert(time_delta(hi, lo) == -1);  // 2^64 - 1 apart: wraps to -1
  static_assert(add_time_delta(lo, -1) == hi);
}

TEST_CASE("a run header and records decode to what was encoded") {
  std::vector<std::byte> buf(512);
  RunHeader h;
  h.stream = reinterpret_cast<const StreamState*>(std::uintptr_t{0x1234560});
  h.first_version = 300;
  h.first_position = 1'000'000;
  h.count = 2;
  h.base_time = 1'767'225'600'000'000'000;
  h.records_bytes = 77;
  std::byte* p = encode_run_header(buf.data(), h);
  CHECK(static_cast<std::size_t>(p - buf.data()) == run_header_size(h));
  const Uuid id = Uuid::v4();
  const Uuid corr = Uuid::v4();
  const char payload[] = "{\"value\":7}";
  RecordInput r;
  r.shape = 300;
  r.time_delta = -5;
  r.id = &id;
  r.correlation = &corr;
  r.data = std::as_bytes(std::span<const char>(payload, 11));
  std::byte* q = encode_record(p, r);
  CHECK(static_cast<std::size_t>(q - p) == record_size(r));

  RunHeader back;
  const std::byte* rp = decode_run_header(buf.data(), back);
  CHECK(rp == p);
  CHECK(back.stream == h.stream);
  CHECK(back.first_version == 300);
  CHECK(back.first_position == 1'000'000);
  CHECK(back.count == 2);
  CHECK(back.base_time == h.base_time);
  CHECK(back.records_bytes == 77);
  RecordFields f;
  CHECK(decode_record(rp, f) == q);
  CHECK(f.shape == 300);
  CHECK(f.time_delta == -5);
  CHECK(uuid_from(f.id) == id);
  REQUIRE(f.correlation != nullptr);
  CHECK(uuid_from(f.correlation) == corr);
  CHECK(f.causation == nullptr);
  CHECK(f.data.size() == 11);
}

TEST_CASE("a seed-shaped record takes 32 to 33 bytes") {
  // 1 (shape) + 2 (time delta 250 ns) + 16 (id) + 1 (length) + 13 (payload).
  const Uuid id = Uuid::v4();
  const char payload[] = "{\"value\":42}";
  RecordInput r;
  r.shape = 0;
  r.time_delta = 250;
  r.id = &id;
  r.data = std::as_bytes(std::span<const char>(payload, 12));
  CHECK(record_size(r) == 32);
  r.data = std::as_bytes(std::span<const char>("{\"value\":100}", 13));
  CHECK(record_size(r) == 33);
}
