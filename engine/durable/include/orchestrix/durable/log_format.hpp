// orchestrix/durable/log_format.hpp — the byte format of a log file (docs/durability.md has it
// byte by byte) and its pure encode/decode functions. Integers are little-endian.
//
//   file header (36 bytes)
//     0  8  magic "ORXLOG\r\n"
//     8  4  format version (kFormatVersion)
//    12  4  reserved, zero
//    16 16  store id (the Uuid of the store the file belongs to)
//    32  4  masked CRC32C of bytes 0..31
//   frames, back to back until the end of the file, each:
//     0  4  masked CRC32C of bytes 4..(8 + length) (length, type and payload)
//     4  4  payload length
//     8  1  type (1..255, chosen by the caller; 0 is never written: zeros are not a frame)
//     9  length bytes of payload
//
// Every function here is pure, noexcept and never allocates; the decoders accept any bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <orchestrix/uuid.hpp>
#include <span>

namespace orchestrix::durable {

inline constexpr std::array<char, 8> kLogMagic = {'O', 'R', 'X', 'L', 'O', 'G', '\r', '\n'};
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::size_t kFileHeaderSize = 36;
inline constexpr std::size_t kFrameHeaderSize = 9;
// The largest payload a frame may carry (and the default limit of readers and writers).
inline constexpr std::uint32_t kMaxFramePayload = 64U << 20;

struct FileHeader {
  std::uint32_t version = kFormatVersion;
  Uuid store;
};

enum class HeaderStatus {
  kOk,
  kTooShort,      // fewer than kFileHeaderSize bytes
  kBadMagic,      // not a log file of this format
  kNewerVersion,  // a version above kFormatVersion (nothing after the version is interpreted)
  kBadVersion,    // version 0
  kBadChecksum,   // the header CRC does not match
};

void encode_file_header(const FileHeader& header,
                        std::span<std::byte, kFileHeaderSize> out) noexcept;
// Decodes the first kFileHeaderSize bytes of `bytes`; `out` is set only for kOk (and its
// version for kNewerVersion).
HeaderStatus decode_file_header(std::span<const std::byte> bytes, FileHeader& out) noexcept;

struct FrameHeader {
  std::uint32_t masked_crc = 0;
  std::uint32_t length = 0;
  std::uint8_t type = 0;
};

// Writes the 9-byte header of a frame carrying `payload` (its CRC included).
void encode_frame_header(std::uint8_t type, std::span<const std::byte> payload,
                         std::span<std::byte, kFrameHeaderSize> out) noexcept;
FrameHeader decode_frame_header(std::span<const std::byte, kFrameHeaderSize> bytes) noexcept;

enum class FrameStatus {
  kOk,
  kIncomplete,   // the bytes end before the frame does
  kBadType,      // type 0
  kTooLong,      // length above the limit
  kBadChecksum,  // the CRC does not match
};

// Checks the frame that starts at bytes[0] (`bytes` runs to the end of the data available).
// On kOk, `header` holds it and the payload is bytes[9 .. 9 + header.length).
FrameStatus check_frame(std::span<const std::byte> bytes, std::uint32_t max_payload,
                        FrameHeader& header) noexcept;
// Whether `payload` matches the CRC in `header` (type and length included).
bool frame_checksum_matches(const FrameHeader& header, std::span<const std::byte> payload) noexcept;

}  // namespace orchestrix::durable
