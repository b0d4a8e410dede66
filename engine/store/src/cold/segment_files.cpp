#include "cold/segment_files.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <utility>

#include "orchestrix/durable/crc32c.hpp"
#include "orchestrix/errors.hpp"

namespace orchestrix::detail {
namespace {

constexpr std::array<char, 8> kMagic = {'O', 'R', 'X', 'S', 'E', 'G', '\r', '\n'};
constexpr std::uint32_t kFlagCompressed = 1;

void put32(std::byte* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFU);
}
void put64(std::byte* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFU);
}
std::uint32_t get32(const std::byte* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8U) | std::to_integer<std::uint32_t>(p[i]);
  return v;
}
std::uint64_t get64(const std::byte* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8U) | std::to_integer<std::uint64_t>(p[i]);
  return v;
}

std::array<std::byte, kSegmentFileHeaderBytes> encode_header(const SegmentFileFacts& f) noexcept {
  std::array<std::byte, kSegmentFileHeaderBytes> h{};
  std::memcpy(h.data(), kMagic.data(), kMagic.size());
  put32(h.data() + 8, kSegmentFileVersion);
  put32(h.data() + 12, f.compressed ? kFlagCompressed : 0U);
  put64(h.data() + 16, f.first_position);
  put32(h.data() + 24, f.used);
  put32(h.data() + 28, f.block_bytes);
  put32(h.data() + 32, f.dictionary_version);
  put32(h.data() + 36, durable::crc32c::mask(durable::crc32c::value({h.data(), 36})));
  return h;
}

bool is_segment_file(const std::string& name) {
  return name.rfind("seg-", 0) == 0 && (name.ends_with(".orx") || name.ends_with(".orx.tmp"));
}

}  // namespace

SegmentFiles::SegmentFiles(durable::FileSystem& fs, std::string directory)
    : fs_(&fs), directory_(std::move(directory)) {}

std::string SegmentFiles::path(std::uint64_t first_position, std::uint32_t suffix) const {
  std::array<char, 48> name{};
  if (suffix == 0) {
    std::snprintf(name.data(), name.size(), "seg-%016llx.orx",
                  static_cast<unsigned long long>(first_position));
  } else {
    std::snprintf(name.data(), name.size(), "seg-%016llx-%u.orx",
                  static_cast<unsigned long long>(first_position), suffix);
  }
  return durable::join_path(directory_, name.data());
}

std::uint32_t SegmentFiles::free_suffix(std::uint64_t first_position) const {
  std::uint32_t suffix = 0;
  while (fs_->exists(path(first_position, suffix))) ++suffix;
  return suffix;
}

std::uint64_t SegmentFiles::write(std::uint32_t suffix, const SegmentFileFacts& facts,
                                  std::span<const std::byte> block) const {
  const std::string final_path = path(facts.first_position, suffix);
  const std::string tmp_path = final_path + ".tmp";
  const auto header = encode_header(facts);
  std::array<std::byte, kSegmentFileTrailerBytes> trailer{};
  put32(trailer.data(), durable::crc32c::mask(durable::crc32c::value(block)));
  try {
    {
      const auto file = fs_->open(tmp_path, durable::OpenMode::kTruncate);
      file->write_all(0, header);
      file->write_all(kSegmentFileHeaderBytes, block);
      file->write_all(kSegmentFileHeaderBytes + block.size(), trailer);
    }
    fs_->rename(tmp_path, final_path);
  } catch (const IoError&) {
    try {
      if (fs_->exists(tmp_path)) fs_->remove(tmp_path);
    } catch (const IoError&) {  // NOLINT(bugprone-empty-catch): left for the next open
    }
    throw;
  }
  return kSegmentFileHeaderBytes + block.size() + kSegmentFileTrailerBytes;
}

void SegmentFiles::read(std::uint32_t suffix, const SegmentFileFacts& facts,
                        std::span<std::byte> out) const {
  const std::string p = path(facts.first_position, suffix);
  const auto file = fs_->open(p, durable::OpenMode::kRead);
  std::array<std::byte, kSegmentFileHeaderBytes> h{};
  if (file->read_full(0, h) != h.size()) {
    throw CorruptionError(CorruptionError::Kind::kTruncated, p, 0, "segment file header is short");
  }
  if (std::memcmp(h.data(), kMagic.data(), kMagic.size()) != 0) {
    throw CorruptionError(CorruptionError::Kind::kNotALogFile, p, 0, "not a segment file");
  }
  if (durable::crc32c::unmask(get32(h.data() + 36)) != durable::crc32c::value({h.data(), 36})) {
    throw CorruptionError(CorruptionError::Kind::kBadChecksum, p, 36, "header CRC mismatch");
  }
  if (get32(h.data() + 8) != kSegmentFileVersion) {
    throw CorruptionError(CorruptionError::Kind::kNewerVersion, p, 8, "unknown format version");
  }
  const SegmentFileFacts found{get64(h.data() + 16), get32(h.data() + 24), get32(h.data() + 28),
                               get32(h.data() + 32), (get32(h.data() + 12) & kFlagCompressed) != 0};
  if (found.first_position != facts.first_position || found.used != facts.used ||
      found.block_bytes != facts.block_bytes || found.compressed != facts.compressed ||
      found.dictionary_version != facts.dictionary_version || out.size() != facts.block_bytes) {
    throw CorruptionError(CorruptionError::Kind::kForeignStore, p, 0,
                          "segment file header does not match its segment");
  }
  if (file->read_full(kSegmentFileHeaderBytes, out) != out.size()) {
    throw CorruptionError(CorruptionError::Kind::kTruncated, p, kSegmentFileHeaderBytes,
                          "segment file block is short");
  }
  std::array<std::byte, kSegmentFileTrailerBytes> trailer{};
  const std::uint64_t at = kSegmentFileHeaderBytes + out.size();
  if (file->read_full(at, trailer) != trailer.size()) {
    throw CorruptionError(CorruptionError::Kind::kTruncated, p, at, "segment file CRC is missing");
  }
  if (durable::crc32c::unmask(get32(trailer.data())) != durable::crc32c::value(out)) {
    throw CorruptionError(CorruptionError::Kind::kBadChecksum, p, kSegmentFileHeaderBytes,
                          "segment block CRC mismatch");
  }
}

bool SegmentFiles::remove(std::uint64_t first_position, std::uint32_t suffix) const noexcept {
  try {
    fs_->remove(path(first_position, suffix));
    return true;
  } catch (...) {
    return false;
  }
}

void SegmentFiles::remove_stale() const {
  if (directory_.empty()) return;
  for (const std::string& name : fs_->list_directory(directory_)) {
    if (is_segment_file(name)) fs_->remove(durable::join_path(directory_, name));
  }
}

}  // namespace orchestrix::detail
