#include "base64.hpp"

#include <array>
#include <cstdint>

namespace orchestrix::cloudevents::detail {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::uint8_t, 256> make_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = 0xff;
  for (std::uint8_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = i;
  return t;
}
constexpr std::array<std::uint8_t, 256> kTable = make_table();

}  // namespace

void base64_encode(std::span<const std::byte> in, char* out) noexcept {
  std::size_t i = 0;
  const std::size_t n = in.size();
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::to_integer<std::uint32_t>(in[i]) << 16) |
                            (std::to_integer<std::uint32_t>(in[i + 1]) << 8) |
                            std::to_integer<std::uint32_t>(in[i + 2]);
    *out++ = kAlphabet[(v >> 18) & 63];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = kAlphabet[(v >> 6) & 63];
    *out++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = std::to_integer<std::uint32_t>(in[i]) << 16;
    *out++ = kAlphabet[(v >> 18) & 63];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = '=';
    *out++ = '=';
  } else if (n - i == 2) {
    const std::uint32_t v = (std::to_integer<std::uint32_t>(in[i]) << 16) |
                            (std::to_integer<std::uint32_t>(in[i + 1]) << 8);
    *out++ = kAlphabet[(v >> 18) & 63];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = kAlphabet[(v >> 6) & 63];
    *out++ = '=';
  }
}

std::size_t base64_decode(std::string_view text, std::byte* out, const char*& why) noexcept {
  why = nullptr;
  if (text.size() % 4 != 0) {
    why = "length is not a multiple of 4";
    return 0;
  }
  std::size_t o = 0;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::uint8_t q[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const auto c = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      if (c == '=' && last && k >= 2) {
        ++pad;
        q[k] = 0;
        continue;
      }
      if (pad != 0 || kTable[c] == 0xff) {
        why = c == '=' ? "misplaced '=' padding" : "a character outside the base64 alphabet";
        return 0;
      }
      q[k] = kTable[c];
    }
    const std::uint32_t v = (std::uint32_t{q[0]} << 18) | (std::uint32_t{q[1]} << 12) |
                            (std::uint32_t{q[2]} << 6) | std::uint32_t{q[3]};
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) {
      why = "non-zero bits under the padding (not the canonical encoding)";
      return 0;
    }
    out[o++] = static_cast<std::byte>(v >> 16);
    if (pad < 2) out[o++] = static_cast<std::byte>((v >> 8) & 0xff);
    if (pad < 1) out[o++] = static_cast<std::byte>(v & 0xff);
  }
  return o;
}

}  // namespace orchestrix::cloudevents::detail
