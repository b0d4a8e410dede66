// orchestrix/durable/log_reader.hpp — reads a log file (log_format.hpp) back, frame by frame,
// verifying every CRC: the recovery scan.
//
// The scan stops at the first frame that does not verify. What that means depends on what
// follows it (docs/durability.md, "Recovery"):
//   - no valid frame anywhere after it: a torn tail (an append the crash interrupted); the scan
//     ends cleanly, summary().tail == TailState::kTorn, and valid_end() is where the file should
//     be cut. A tail of zeros (a file system that extended the file but did not write it) is one.
//   - a valid frame after it: corruption in the middle. With CorruptionPolicy::kRefuse next()
//     throws CorruptionError (kind, file, byte offset of the bad frame); with kSalvage the scan
//     ends there instead (TailState::kSalvaged) and the frames after it are not returned.
// A bad file header (too short, wrong magic, newer version, bad CRC, another store's id) always
// throws CorruptionError from the constructor. next() never returns a frame whose CRC does not
// match and never reads outside the file.
//
// Errors: IoError from the file system, CorruptionError as above.
// Memory: one read window (256 KiB, or the largest frame when bigger) from options.memory.
// Thread safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <orchestrix/durable/file_system.hpp>
#include <orchestrix/durable/log_format.hpp>
#include <span>
#include <string>
#include <vector>

namespace orchestrix::durable {

enum class CorruptionPolicy {
  kRefuse,   // corruption in the middle of a file throws CorruptionError
  kSalvage,  // keep the frames before the first bad one and stop there
};

struct ReadOptions {
  CorruptionPolicy on_corruption = CorruptionPolicy::kRefuse;
  // A frame longer than this is a bad frame.
  std::uint32_t max_frame_payload = kMaxFramePayload;
  // Where the read window comes from; nullptr: std::pmr::get_default_resource().
  std::pmr::memory_resource* memory = nullptr;
};

enum class TailState {
  kClean,     // the last frame ends exactly at the end of the file
  kTorn,      // bytes after the last valid frame that are no frame (cut on reopen for append)
  kSalvaged,  // corruption followed by valid frames; the scan stopped at it (kSalvage only)
};

struct ScanSummary {
  std::uint64_t frames = 0;                   // valid frames returned so far
  std::uint64_t valid_end = kFileHeaderSize;  // the byte after the last valid frame
  std::uint64_t file_size = 0;                // the file's size when the reader opened it
  TailState tail = TailState::kClean;         // final once next() returned false
  std::uint64_t resync_offset = 0;            // kSalvaged: where the next valid frame starts
};

struct FrameView {
  std::uint64_t offset = 0;  // the frame's first byte in the file
  std::uint8_t type = 0;
  std::span<const std::byte> payload;  // valid until the next call on the reader
};

class LogReader {
 public:
  // Opens `path` and checks its header. `store`: the id the file must carry; the nil Uuid accepts
  // any store's file (inspection tools, fuzzing).
  LogReader(FileSystem& fs, const std::string& path, const Uuid& store, ReadOptions options = {});

  // The next valid frame; false at the end of the valid frames (see summary().tail).
  bool next(FrameView& frame);

  const FileHeader& header() const noexcept { return header_; }
  const ScanSummary& summary() const noexcept { return summary_; }
  const std::string& path() const noexcept { return path_; }

 private:
  // The bytes [offset, offset + length) clipped to the end of the file, through the window.
  std::span<const std::byte> bytes_at(std::uint64_t offset, std::size_t length);
  // The first offset after `bad` where a valid frame starts, or 0 when there is none.
  std::uint64_t find_valid_frame_after(std::uint64_t bad);

  std::string path_;
  ReadOptions options_;
  std::unique_ptr<File> file_;
  FileHeader header_;
  ScanSummary summary_;
  std::pmr::vector<std::byte> window_;
  std::uint64_t window_offset_ = 0;
  std::size_t window_length_ = 0;
  bool done_ = false;
};

}  // namespace orchestrix::durable
