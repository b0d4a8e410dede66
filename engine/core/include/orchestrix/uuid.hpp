// orchestrix/uuid.hpp — a 16-byte UUID value type (RFC 9562), stored as raw bytes.
//
// Used for CloudEvents ids, correlation ids and causation ids by both the event store and the
// message bus. A Uuid is a trivially copyable 16-byte value: it never allocates.
//
// Thread safety: Uuid values are plain data. Uuid::v7() and Uuid::v4() use a thread-local
// generator and may be called from any number of threads at once.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace orchestrix {

class Uuid {
 public:
  // The nil UUID (all zero bytes).
  constexpr Uuid() noexcept = default;
  constexpr explicit Uuid(const std::array<std::uint8_t, 16>& bytes) noexcept : bytes_(bytes) {}

  // A random (version 4) UUID.
  static Uuid v4() noexcept;
  // A version 4 UUID made of caller-supplied random bits, for reproducible ids (the workload
  // generators): `hi` fills bytes 0-7 and `lo` bytes 8-15, least significant byte first, then
  // the 4 version bits and 2 variant bits are set, so 122 of the 128 bits are kept.
  static Uuid v4_from_bits(std::uint64_t hi, std::uint64_t lo) noexcept;
  // A time-ordered (version 7) UUID: 48-bit Unix milliseconds, then random bits. UUIDs made by
  // one thread are strictly increasing (a counter fills the sub-millisecond bits).
  static Uuid v7() noexcept;

  // Parses the canonical 36-character form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex digits
  // in either case). Throws orchestrix::InvalidArgument (see errors.hpp) on anything else.
  static Uuid parse(std::string_view text);
  // Same as parse() but returns false instead of throwing; `out` is untouched on failure.
  static bool try_parse(std::string_view text, Uuid& out) noexcept;

  // Canonical lower-case 36-character form.
  std::string to_string() const;
  // Writes the 36-character form into `out` (no terminator). Never allocates.
  void write_to(char (&out)[36]) const noexcept;

  const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
  int version() const noexcept { return bytes_[6] >> 4; }
  bool is_nil() const noexcept { return *this == Uuid{}; }

  friend constexpr bool operator==(const Uuid&, const Uuid&) noexcept = default;
  friend constexpr auto operator<=>(const Uuid&, const Uuid&) noexcept = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace orchestrix
