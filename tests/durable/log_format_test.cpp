// The log file format's encoders and decoders (log_format.hpp), byte by byte.
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <orchestrix/durable/crc32c.hpp>
#include <orchestrix/durable/log_format.hpp>
#include <vector>

using namespace orchestrix::durable;

TEST_CASE("log format: the file header round-trips and has the documented layout") {
  const orchestrix::Uuid store = orchestrix::Uuid::v4_from_bits(1, 2);
  std::array<std::byte, kFileHeaderSize> bytes{};
  encode_file_header({kFormatVersion, store}, bytes);
  CHECK(std::memcmp(bytes.data(), "ORXLOG\r\n", 8) == 0);
  CHECK(bytes[8] == std::byte{1});
  CHECK(bytes[12] == std::byte{0});
  CHECK(std::memcmp(bytes.data() + 16, store.bytes().data(), 16) == 0);
  FileHeader out;
  REQUIRE(decode_file_header(bytes, out) == HeaderStatus::kOk);
  CHECK(out.store == store);
  CHECK(out.version == kFormatVersion);
  CHECK(decode_file_header(std::span(bytes).first(35), out) == HeaderStatus::kTooShort);
}

TEST_CASE("log format: every flipped bit of the file header is detected") {
  std::array<std::byte, kFileHeaderSize> good{};
  encode_file_header({kFormatVersion, orchestrix::Uuid::v4_from_bits(3, 4)}, good);
  for (std::size_t bit = 0; bit < kFileHeaderSize * 8; ++bit) {
    auto bytes = good;
    bytes[bit / 8] ^= static_cast<std::byte>(1U << (bit % 8));
    FileHeader out;
    const HeaderStatus status = decode_file_header(bytes, out);
    CHECK(status != HeaderStatus::kOk);
    if (bit < 64) CHECK(status == HeaderStatus::kBadMagic);
  }
}

TEST_CASE("log format: a newer version is reported as such, before its checksum is looked at") {
  std::array<std::byte, kFileHeaderSize> bytes{};
  encode_file_header({kFormatVersion + 1, orchestrix::Uuid::v4_from_bits(5, 6)}, bytes);
  bytes[33] ^= std::byte{0xff};
  FileHeader out;
  CHECK(decode_file_header(bytes, out) == HeaderStatus::kNewerVersion);
  CHECK(out.version == kFormatVersion + 1);
  encode_file_header({0, orchestrix::Uuid{}}, bytes);
  CHECK(decode_file_header(bytes, out) == HeaderStatus::kBadVersion);
}

TEST_CASE("log format: a frame round-trips - each bad case has its status") {
  std::vector<std::byte> payload(100);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::byte>(i * 7);
  std::vector<std::byte> frame(kFrameHeaderSize + payload.size());
  encode_frame_header(42, payload, std::span(frame).first<kFrameHeaderSize>());
  std::memcpy(frame.data() + kFrameHeaderSize, payload.data(), payload.size());
  CHECK(frame[4] == std::byte{100});
  CHECK(frame[8] == std::byte{42});

  FrameHeader h;
  REQUIRE(check_frame(frame, kMaxFramePayload, h) == FrameStatus::kOk);
  CHECK(h.length == 100);
  CHECK(h.type == 42);
  CHECK(frame_checksum_matches(h, payload));

  CHECK(check_frame(std::span(frame).first(8), kMaxFramePayload, h) == FrameStatus::kIncomplete);
  CHECK(check_frame(std::span(frame).first(108), kMaxFramePayload, h) == FrameStatus::kIncomplete);
  CHECK(check_frame(frame, 99, h) == FrameStatus::kTooLong);
  for (std::size_t bit = 0; bit < frame.size() * 8; ++bit) {
    auto bad = frame;
    bad[bit / 8] ^= static_cast<std::byte>(1U << (bit % 8));
    CHECK(check_frame(bad, kMaxFramePayload, h) != FrameStatus::kOk);
  }
  std::vector<std::byte> zeros(64);
  CHECK(check_frame(zeros, kMaxFramePayload, h) == FrameStatus::kBadType);
}

TEST_CASE("log format: the frame CRC covers length and type (masked CRC32C of bytes 4..end)") {
  const std::vector<std::byte> payload(5, std::byte{0xab});
  std::vector<std::byte> frame(kFrameHeaderSize + payload.size());
  encode_frame_header(1, payload, std::span(frame).first<kFrameHeaderSize>());
  std::memcpy(frame.data() + kFrameHeaderSize, payload.data(), payload.size());
  std::uint32_t stored = 0;
  for (int i = 0; i < 4; ++i) stored |= static_cast<std::uint32_t>(frame[i]) << (8 * i);
  CHECK(crc32c::unmask(stored) == crc32c::value(std::span(frame).subspan(4)));
}
