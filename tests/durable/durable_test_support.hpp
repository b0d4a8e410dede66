// Helpers shared by the durable-layer tests: deterministic payloads, a temporary directory, and
// reading a whole log back.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <orchestrix/detail/splitmix64.hpp>
#include <orchestrix/durable/log_reader.hpp>
#include <string>
#include <vector>

namespace orchestrix::durable::test {

using Bytes = std::vector<std::byte>;

// A payload that names itself: [u32 tag][u32 seq] then bytes derived from (tag, seq), of a
// length between 8 and 8 + max_extra - 1 (also derived from them).
inline Bytes make_payload(std::uint32_t tag, std::uint32_t seq, std::uint32_t max_extra = 2000) {
  std::uint64_t state = (std::uint64_t{tag} << 32) | seq;
  const std::size_t extra = max_extra == 0 ? 0 : detail::splitmix64(state) % max_extra;
  Bytes out(8 + extra);
  std::memcpy(out.data(), &tag, 4);
  std::memcpy(out.data() + 4, &seq, 4);
  for (std::size_t i = 8; i < out.size(); ++i) {
    out[i] = static_cast<std::byte>(detail::splitmix64(state) & 0xffU);
  }
  return out;
}

// Whether `payload` is exactly make_payload(its tag, its seq, max_extra).
inline bool payload_is_intact(std::span<const std::byte> payload, std::uint32_t max_extra = 2000) {
  if (payload.size() < 8) return false;
  std::uint32_t tag = 0;
  std::uint32_t seq = 0;
  std::memcpy(&tag, payload.data(), 4);
  std::memcpy(&seq, payload.data() + 4, 4);
  const Bytes expected = make_payload(tag, seq, max_extra);
  return expected.size() == payload.size() &&
         std::memcmp(expected.data(), payload.data(), payload.size()) == 0;
}

inline std::uint32_t payload_tag(std::span<const std::byte> p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p.data(), 4);
  return v;
}
inline std::uint32_t payload_seq(std::span<const std::byte> p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p.data() + 4, 4);
  return v;
}

struct StoredFrame {
  std::uint64_t offset = 0;
  std::uint8_t type = 0;
  Bytes payload;
  friend bool operator==(const StoredFrame&, const StoredFrame&) = default;
};

// Every frame the reader returns until it stops (exceptions propagate).
inline std::vector<StoredFrame> read_frames(LogReader& reader) {
  std::vector<StoredFrame> out;
  FrameView f;
  while (reader.next(f))
    out.push_back({f.offset, f.type, Bytes(f.payload.begin(), f.payload.end())});
  return out;
}

// A fresh directory under the system's temporary directory, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "orchestrix-durable-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace orchestrix::durable::test
