// The log file format's encoders and decoders (log_format.hpp).
#include <cstring>
#include <orchestrix/durable/crc32c.hpp>
#include <orchestrix/durable/log_format.hpp>

namespace orchestrix::durable {
namespace {

void put_u32(std::byte* out, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::byte>((v >> (8 * i)) & 0xffU);
}

std::uint32_t get_u32(const std::byte* in) noexcept {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(in[i]) << (8 * i);
  return v;
}

// The CRC of a frame's length and type bytes followed by its payload.
std::uint32_t frame_crc(std::span<const std::byte, 5> length_and_type,
                        std::span<const std::byte> payload) noexcept {
  return crc32c::extend(crc32c::value(length_and_type), payload);
}

}  // namespace

void encode_file_header(const FileHeader& header,
                        std::span<std::byte, kFileHeaderSize> out) noexcept {
  std::memcpy(out.data(), kLogMagic.data(), kLogMagic.size());
  put_u32(out.data() + 8, header.version);
  put_u32(out.data() + 12, 0);
  std::memcpy(out.data() + 16, header.store.bytes().data(), 16);
  put_u32(out.data() + 32, crc32c::mask(crc32c::value(out.first(32))));
}

HeaderStatus decode_file_header(std::span<const std::byte> bytes, FileHeader& out) noexcept {
  if (bytes.size() < kFileHeaderSize) return HeaderStatus::kTooShort;
  if (std::memcmp(bytes.data(), kLogMagic.data(), kLogMagic.size()) != 0) {
    return HeaderStatus::kBadMagic;
  }
  const std::uint32_t version = get_u32(bytes.data() + 8);
  if (version > kFormatVersion) {
    out.version = version;
    return HeaderStatus::kNewerVersion;
  }
  if (version == 0) return HeaderStatus::kBadVersion;
  if (crc32c::unmask(get_u32(bytes.data() + 32)) != crc32c::value(bytes.first(32))) {
    return HeaderStatus::kBadChecksum;
  }
  std::array<std::uint8_t, 16> id{};
  std::memcpy(id.data(), bytes.data() + 16, 16);
  out.version = version;
  out.store = Uuid(id);
  return HeaderStatus::kOk;
}

void encode_frame_header(std::uint8_t type, std::span<const std::byte> payload,
                         std::span<std::byte, kFrameHeaderSize> out) noexcept {
  put_u32(out.data() + 4, static_cast<std::uint32_t>(payload.size()));
  out[8] = static_cast<std::byte>(type);
  const std::uint32_t crc = frame_crc(out.subspan<4, 5>(), payload);
  put_u32(out.data(), crc32c::mask(crc));
}

FrameHeader decode_frame_header(std::span<const std::byte, kFrameHeaderSize> bytes) noexcept {
  return FrameHeader{get_u32(bytes.data()), get_u32(bytes.data() + 4),
                     static_cast<std::uint8_t>(bytes[8])};
}

bool frame_checksum_matches(const FrameHeader& header,
                            std::span<const std::byte> payload) noexcept {
  std::array<std::byte, 5> length_and_type{};
  put_u32(length_and_type.data(), header.length);
  length_and_type[4] = static_cast<std::byte>(header.type);
  return header.length == payload.size() &&
         crc32c::unmask(header.masked_crc) == frame_crc(length_and_type, payload);
}

FrameStatus check_frame(std::span<const std::byte> bytes, std::uint32_t max_payload,
                        FrameHeader& header) noexcept {
  if (bytes.size() < kFrameHeaderSize) return FrameStatus::kIncomplete;
  header = decode_frame_header(bytes.first<kFrameHeaderSize>());
  if (header.type == 0) return FrameStatus::kBadType;
  if (header.length > max_payload) return FrameStatus::kTooLong;
  if (bytes.size() - kFrameHeaderSize < header.length) return FrameStatus::kIncomplete;
  if (!frame_checksum_matches(header, bytes.subspan(kFrameHeaderSize, header.length))) {
    return FrameStatus::kBadChecksum;
  }
  return FrameStatus::kOk;
}

}  // namespace orchestrix::durable
