// libFuzzer target for the log file decoders (engine/durable): the file-header and frame
// decoders on raw bytes, and LogReader (both corruption policies) over the bytes as a whole file
// and behind a valid header. Any frame the reader returns must re-verify and lie inside the
// file; anything else is a CorruptionError or a clean stop. Built by the `fuzz` preset
// (clang, -fsanitize=fuzzer,address,undefined); run with `tools/dev fuzz [seconds]`.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <orchestrix/durable/fault_file_system.hpp>
#include <orchestrix/durable/log_format.hpp>
#include <orchestrix/durable/log_reader.hpp>
#include <orchestrix/errors.hpp>
#include <span>
#include <vector>

namespace {

using namespace orchestrix::durable;

constexpr std::uint32_t kFuzzMaxPayload = 1U << 20;

void require(bool condition) {
  if (!condition) __builtin_trap();
}

void read_whole(const std::vector<std::byte>& file, CorruptionPolicy policy) {
  FaultFileSystem fs;
  fs.set_contents("d/log", file);
  ReadOptions options;
  options.on_corruption = policy;
  options.max_frame_payload = kFuzzMaxPayload;
  try {
    LogReader reader(fs, "d/log", orchestrix::Uuid{}, options);
    FrameView f;
    std::uint64_t expected_offset = kFileHeaderSize;
    while (reader.next(f)) {
      require(f.offset == expected_offset);
      require(f.offset + kFrameHeaderSize + f.payload.size() <= file.size());
      FrameHeader h;
      const std::span<const std::byte> at(file.data() + f.offset, file.size() - f.offset);
      require(check_frame(at, kFuzzMaxPayload, h) == FrameStatus::kOk);
      require(h.type == f.type && h.length == f.payload.size());
      require(std::memcmp(at.data() + kFrameHeaderSize, f.payload.data(), f.payload.size()) == 0);
      expected_offset = f.offset + kFrameHeaderSize + f.payload.size();
    }
    require(reader.summary().valid_end == expected_offset);
    require(reader.summary().valid_end <= file.size());
  } catch (const orchestrix::CorruptionError& e) {
    require(e.offset() <= file.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);

  FileHeader header;
  if (decode_file_header(bytes, header) == HeaderStatus::kOk) {
    std::array<std::byte, kFileHeaderSize> again{};
    encode_file_header(header, again);
    require(std::memcmp(again.data(), bytes.data(), kFileHeaderSize) == 0);
  }
  FrameHeader frame;
  if (check_frame(bytes, kFuzzMaxPayload, frame) == FrameStatus::kOk) {
    require(frame_checksum_matches(frame, bytes.subspan(kFrameHeaderSize, frame.length)));
  }

  const std::vector<std::byte> raw(bytes.begin(), bytes.end());
  std::vector<std::byte> framed(kFileHeaderSize);
  encode_file_header({kFormatVersion, orchestrix::Uuid::v4_from_bits(1, 2)},
                     std::span(framed).first<kFileHeaderSize>());
  framed.insert(framed.end(), bytes.begin(), bytes.end());
  for (const CorruptionPolicy policy : {CorruptionPolicy::kRefuse, CorruptionPolicy::kSalvage}) {
    read_whole(raw, policy);
    read_whole(framed, policy);
  }
  return 0;
}
