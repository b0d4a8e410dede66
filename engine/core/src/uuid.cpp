#include "orchestrix/uuid.hpp"

#include <chrono>
#include <random>

#include "orchestrix/detail/splitmix64.hpp"
#include "orchestrix/errors.hpp"

namespace orchestrix {
namespace {

// splitmix64 (a Weyl sequence of step 0x9E3779B97F4A7C15 through a 64-bit mixing function); one
// per thread, its state seeded once from two random_device draws and the steady clock.
struct ThreadRandom {
  std::uint64_t state;
  ThreadRandom() {
    std::random_device rd;
    state = (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
            static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  std::uint64_t next() noexcept { return detail::splitmix64(state); }
};

ThreadRandom& thread_random() {
  thread_local ThreadRandom r;
  return r;
}

// Big-endian. Written out byte by byte (no loop) so that the compiler merges the stores into
// one byte swap and one 8-byte store.
void put64(std::array<std::uint8_t, 16>& b, std::size_t at, std::uint64_t v) noexcept {
  b[at + 0] = static_cast<std::uint8_t>(v >> 56);
  b[at + 1] = static_cast<std::uint8_t>(v >> 48);
  b[at + 2] = static_cast<std::uint8_t>(v >> 40);
  b[at + 3] = static_cast<std::uint8_t>(v >> 32);
  b[at + 4] = static_cast<std::uint8_t>(v >> 24);
  b[at + 5] = static_cast<std::uint8_t>(v >> 16);
  b[at + 6] = static_cast<std::uint8_t>(v >> 8);
  b[at + 7] = static_cast<std::uint8_t>(v);
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Uuid Uuid::v4_from_bits(std::uint64_t hi, std::uint64_t lo) noexcept {
  std::array<std::uint8_t, 16> b{};
  for (std::size_t i = 0; i < 8; ++i) {
    b[i] = static_cast<std::uint8_t>(hi >> (8 * i));
    b[8 + i] = static_cast<std::uint8_t>(lo >> (8 * i));
  }
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
  return Uuid{b};
}

Uuid Uuid::v4() noexcept {
  auto& r = thread_random();
  const std::uint64_t hi = r.next();
  const std::uint64_t lo = r.next();
  return v4_from_bits(hi, lo);
}

Uuid Uuid::v7() noexcept {
  // Layout: 48-bit unix ms | ver(4) | 12-bit counter | var(2) | 62 random bits.
  thread_local std::uint64_t last_ms = 0;
  thread_local std::uint32_t counter = 0;
  const auto ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  auto& r = thread_random();
  std::uint64_t use_ms = ms;
  if (ms > last_ms) {
    last_ms = ms;
    counter = static_cast<std::uint32_t>(r.next() & 0x3FF);  // random start, room to count up
  } else {
    use_ms = last_ms;
    if (++counter > 0xFFF) {  // counter exhausted within this millisecond: borrow the next one
      ++last_ms;
      use_ms = last_ms;
      counter = 0;
    }
  }
  std::array<std::uint8_t, 16> b{};
  put64(b, 0, (use_ms << 16) | 0x7000 | counter);
  put64(b, 8, r.next());
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
  return Uuid{b};
}

bool Uuid::try_parse(std::string_view text, Uuid& out) noexcept {
  if (text.size() != 36) return false;
  std::array<std::uint8_t, 16> b{};
  std::size_t byte = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
      ++i;
      continue;
    }
    const int hi = hex_value(text[i]);
    const int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    b[byte++] = static_cast<std::uint8_t>((hi << 4) | lo);
    i += 2;
  }
  out = Uuid{b};
  return true;
}

Uuid Uuid::parse(std::string_view text) {
  Uuid u;
  if (!try_parse(text, u)) {
    throw InvalidArgument(
        "malformed UUID text: expected 36 characters "
        "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, got \"" +
        std::string(text.substr(0, 64)) + "\"");
  }
  return u;
}

void Uuid::write_to(char (&out)[36]) const noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t o = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = kHex[bytes_[i] >> 4];
    out[o++] = kHex[bytes_[i] & 0x0F];
  }
}

std::string Uuid::to_string() const {
  char buf[36];
  write_to(buf);
  return std::string(buf, 36);
}

}  // namespace orchestrix
