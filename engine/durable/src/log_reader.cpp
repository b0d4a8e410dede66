// LogReader (log_reader.hpp): the recovery scan over a read window.
#include <algorithm>
#include <orchestrix/durable/log_reader.hpp>
#include <orchestrix/errors.hpp>
#include <string>

namespace orchestrix::durable {
namespace {

constexpr std::size_t kWindowBytes = 256 * 1024;
// How far past the window recovery asks the kernel to read ahead (File::will_read).
constexpr std::uint64_t kReadAheadBytes = 4 * 1024 * 1024;

std::pmr::memory_resource* resource_or_default(std::pmr::memory_resource* r) {
  return r != nullptr ? r : std::pmr::get_default_resource();
}

const char* describe(FrameStatus status) {
  switch (status) {
    case FrameStatus::kOk:
      return "valid frame";
    case FrameStatus::kIncomplete:
      return "frame runs past the end of the file";
    case FrameStatus::kBadType:
      return "frame of type 0";
    case FrameStatus::kTooLong:
      return "frame length above the limit";
    case FrameStatus::kBadChecksum:
      return "frame checksum mismatch";
  }
  return "bad frame";
}

}  // namespace

LogReader::LogReader(FileSystem& fs, const std::string& path, const Uuid& store,
                     ReadOptions options)
    : path_(path),
      options_(options),
      file_(fs.open(path, OpenMode::kRead)),
      window_(resource_or_default(options.memory)) {
  summary_.file_size = file_->size();
  const std::span<const std::byte> head = bytes_at(0, kFileHeaderSize);
  using Kind = CorruptionError::Kind;
  switch (decode_file_header(head, header_)) {
    case HeaderStatus::kOk:
      break;
    case HeaderStatus::kTooShort:
      throw CorruptionError(Kind::kTruncated, path_, 0,
                            "file of " + std::to_string(summary_.file_size) +
                                " bytes is shorter than the log file header");
    case HeaderStatus::kBadMagic:
      throw CorruptionError(Kind::kNotALogFile, path_, 0, "not an Orchestrix log file (magic)");
    case HeaderStatus::kNewerVersion:
      throw CorruptionError(Kind::kNewerVersion, path_, 8,
                            "format version " + std::to_string(header_.version) +
                                " is newer than this build reads (" +
                                std::to_string(kFormatVersion) + ")");
    case HeaderStatus::kBadVersion:
      throw CorruptionError(Kind::kNotALogFile, path_, 8, "format version 0");
    case HeaderStatus::kBadChecksum:
      throw CorruptionError(Kind::kBadChecksum, path_, 32, "file header checksum mismatch");
  }
  if (!store.is_nil() && header_.store != store) {
    throw CorruptionError(
        Kind::kForeignStore, path_, 16,
        "file of store " + header_.store.to_string() + ", expected " + store.to_string());
  }
}

std::span<const std::byte> LogReader::bytes_at(std::uint64_t offset, std::size_t length) {
  if (offset >= summary_.file_size) return {};
  length = static_cast<std::size_t>(std::min<std::uint64_t>(length, summary_.file_size - offset));
  const bool inside =
      offset >= window_offset_ && offset + length <= window_offset_ + window_length_;
  if (!inside) {
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(std::max(length, kWindowBytes), summary_.file_size - offset));
    if (window_.size() < want) window_.resize(want);
    window_offset_ = offset;
    window_length_ = file_->read_full(offset, std::span(window_.data(), want));
    // Recovery reads the file front to back: have the kernel fetch what follows this window
    // while the frames in it are replayed (on a cold page cache this overlaps the disk reads
    // with the replay; docs/durability.md, "Benchmarks").
    if (offset + want < summary_.file_size) file_->will_read(offset + want, kReadAheadBytes);
    if (window_length_ < length) length = window_length_;  // the file shrank under us
  }
  return std::span<const std::byte>(window_.data() + (offset - window_offset_), length);
}

std::uint64_t LogReader::find_valid_frame_after(std::uint64_t bad) {
  for (std::uint64_t c = bad + 1; c + kFrameHeaderSize <= summary_.file_size; ++c) {
    const std::span<const std::byte> head = bytes_at(c, kFrameHeaderSize);
    if (head.size() < kFrameHeaderSize) return 0;
    const FrameHeader h = decode_frame_header(head.first<kFrameHeaderSize>());
    if (h.type == 0 || h.length > options_.max_frame_payload ||
        h.length > summary_.file_size - c - kFrameHeaderSize) {
      continue;
    }
    FrameHeader checked;
    if (check_frame(bytes_at(c, kFrameHeaderSize + h.length), options_.max_frame_payload,
                    checked) == FrameStatus::kOk) {
      return c;
    }
  }
  return 0;
}

bool LogReader::next(FrameView& frame) {
  if (done_) return false;
  const std::uint64_t pos = summary_.valid_end;
  FrameHeader h;
  FrameStatus status = FrameStatus::kIncomplete;
  std::span<const std::byte> bytes = bytes_at(pos, kFrameHeaderSize);
  if (bytes.size() == kFrameHeaderSize) {
    h = decode_frame_header(bytes.first<kFrameHeaderSize>());
    const std::size_t whole =
        h.length <= options_.max_frame_payload ? kFrameHeaderSize + h.length : kFrameHeaderSize;
    bytes = bytes_at(pos, whole);
    status = check_frame(bytes, options_.max_frame_payload, h);
  }
  if (status == FrameStatus::kOk) {
    frame.offset = pos;
    frame.type = h.type;
    frame.payload = bytes.subspan(kFrameHeaderSize, h.length);
    summary_.valid_end = pos + kFrameHeaderSize + h.length;
    ++summary_.frames;
    return true;
  }
  done_ = true;
  if (pos >= summary_.file_size) {
    summary_.tail = TailState::kClean;
    return false;
  }
  const std::uint64_t resync = find_valid_frame_after(pos);
  if (resync == 0) {
    summary_.tail = TailState::kTorn;
    return false;
  }
  if (options_.on_corruption == CorruptionPolicy::kSalvage) {
    summary_.tail = TailState::kSalvaged;
    summary_.resync_offset = resync;
    return false;
  }
  using Kind = CorruptionError::Kind;
  throw CorruptionError(status == FrameStatus::kBadChecksum ? Kind::kBadChecksum : Kind::kBadFrame,
                        path_, pos,
                        std::string(describe(status)) + ", followed by a valid frame at byte " +
                            std::to_string(resync));
}

}  // namespace orchestrix::durable
