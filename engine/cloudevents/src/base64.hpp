// Standard base64 (RFC 4648 section 4, with padding), as the JSON format's data_base64 uses.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace orchestrix::cloudevents::detail {

constexpr std::size_t base64_encoded_size(std::size_t bytes) noexcept {
  return (bytes + 2) / 3 * 4;
}

// Writes base64_encoded_size(in.size()) characters to out.
void base64_encode(std::span<const std::byte> in, char* out) noexcept;

// Decodes `text` into out (room for text.size() / 4 * 3 bytes) and returns the decoded size;
// returns nullptr in `why` on success, otherwise what is wrong (length not a multiple of 4, a
// character outside the alphabet, misplaced padding, non-zero bits under the padding: only the
// canonical encoding is accepted, so that encoding the bytes again gives the same text).
std::size_t base64_decode(std::string_view text, std::byte* out, const char*& why) noexcept;

}  // namespace orchestrix::cloudevents::detail
