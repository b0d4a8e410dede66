// The store's frame payloads (store_frames.hpp; byte layout in docs/durability.md).
#include "persist/store_frames.hpp"

#include <cstring>
#include <string>

#include "format/record_codec.hpp"
#include "format/varint.hpp"
#include "orchestrix/errors.hpp"
#include "store_impl.hpp"

namespace orchestrix::detail {
namespace {

constexpr std::uint8_t kHasCorrelation = 0x01;
constexpr std::uint8_t kHasCausation = 0x02;
constexpr std::uint8_t kKnownFlags = kHasCorrelation | kHasCausation;

// ---- writing ----
void put_bytes(std::pmr::vector<std::byte>& out, const void* p, std::size_t n) {
  const auto* b = static_cast<const std::byte*>(p);
  out.insert(out.end(), b, b + n);
}

void put_u64(std::pmr::vector<std::byte>& out, std::uint64_t v) {
  std::array<std::byte, 8> b{};
  for (std::size_t i = 0; i < 8; ++i) b[i] = static_cast<std::byte>(v >> (8 * i));
  put_bytes(out, b.data(), b.size());
}

void put_var(std::pmr::vector<std::byte>& out, std::uint64_t v) {
  std::array<std::byte, 10> b{};
  const std::byte* end = put_varint(b.data(), v);
  put_bytes(out, b.data(), static_cast<std::size_t>(end - b.data()));
}

void put_text(std::pmr::vector<std::byte>& out, std::span<const std::byte> bytes) {
  put_var(out, bytes.size());
  if (!bytes.empty()) put_bytes(out, bytes.data(), bytes.size());
}

void put_text(std::pmr::vector<std::byte>& out, std::string_view s) {
  put_text(out, std::as_bytes(std::span(s.data(), s.size())));
}

void put_uuid(std::pmr::vector<std::byte>& out, const Uuid& id) {
  put_bytes(out, id.bytes().data(), id.bytes().size());
}

// ---- reading: every access bounds-checked against the payload ----
class Reader {
 public:
  Reader(std::span<const std::byte> payload, FrameOrigin origin, const char* frame)
      : bytes_(payload), origin_(origin), frame_(frame) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw CorruptionError(CorruptionError::Kind::kBadFrame, origin_.path, origin_.offset,
                          std::string("malformed ") + frame_ + " frame: " + what +
                              " (payload byte " + std::to_string(at_) + ")");
  }

  std::uint8_t u8(const char* what) {
    need(1, what);
    return static_cast<std::uint8_t>(bytes_[at_++]);
  }

  std::uint64_t u64(const char* what) {
    need(8, what);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(bytes_[at_ + i]) << (8 * i);
    at_ += 8;
    return v;
  }

  std::uint64_t var(const char* what) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = u8(what);
      if (shift == 63 && b > 1) fail(std::string(what) + " overflows 64 bits");
      v |= static_cast<std::uint64_t>(b & 0x7FU) << shift;
      if (b < 0x80) return v;
    }
    fail(std::string(what) + " is a varint longer than 10 bytes");
  }

  std::span<const std::byte> bytes(std::size_t max, const char* what) {
    const std::uint64_t n = var(what);
    if (n > max) fail(std::string(what) + " is longer than " + std::to_string(max) + " bytes");
    need(n, what);
    const std::span<const std::byte> s = bytes_.subspan(at_, n);
    at_ += n;
    return s;
  }

  std::string_view text(std::size_t min, std::size_t max, const char* what) {
    const std::span<const std::byte> b = bytes(max, what);
    if (b.size() < min) fail(std::string(what) + " is empty");
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

  Uuid uuid(const char* what) {
    need(16, what);
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), bytes_.data() + at_, b.size());
    at_ += 16;
    return Uuid{b};
  }

  void finish() const {
    if (at_ != bytes_.size()) {
      fail(std::to_string(bytes_.size() - at_) + " bytes after the last field");
    }
  }
  std::size_t remaining() const noexcept { return bytes_.size() - at_; }

 private:
  void need(std::uint64_t n, const char* what) const {
    if (n > bytes_.size() - at_) fail(std::string(what) + " runs past the end of the payload");
  }

  std::span<const std::byte> bytes_;
  std::size_t at_ = 0;
  FrameOrigin origin_;
  const char* frame_;
};

}  // namespace

std::size_t encode_batch(std::pmr::vector<std::byte>& out, std::string_view stream,
                         std::uint64_t first_version, std::span<const EventData> events,
                         std::span<const Uuid> generated_ids, std::int64_t now) {
  put_text(out, stream);
  put_u64(out, first_version);
  const std::size_t position_field = out.size();
  put_u64(out, 0);
  put_var(out, events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const EventData& e = events[i];
    std::uint8_t flags = 0;
    if (e.correlation_id) flags |= kHasCorrelation;
    if (e.causation_id) flags |= kHasCausation;
    out.push_back(static_cast<std::byte>(flags));
    put_uuid(out, e.id ? *e.id : generated_ids[i]);
    put_u64(out, static_cast<std::uint64_t>(e.time ? e.time->unix_nanos() : now));
    put_text(out, e.type);
    put_text(out, e.source);
    put_text(out, e.content_type);
    if (e.correlation_id) put_uuid(out, *e.correlation_id);
    if (e.causation_id) put_uuid(out, *e.causation_id);
    put_text(out, e.data);
    put_text(out, e.attributes);
  }
  return position_field;
}

void patch_batch_position(std::span<std::byte> payload, std::size_t field,
                          std::uint64_t first_position) noexcept {
  for (std::size_t i = 0; i < 8; ++i) {
    payload[field + i] = static_cast<std::byte>(first_position >> (8 * i));
  }
}

void decode_batch(std::span<const std::byte> payload, std::size_t max_data, FrameOrigin origin,
                  BatchFrame& out) {
  Reader r(payload, origin, "batch");
  out.events.clear();
  out.stream = r.text(1, kMaxStreamIdBytes, "stream id");
  out.first_version = r.u64("first version");
  out.first_position = r.u64("first position");
  const std::uint64_t n = r.var("event count");
  // Every event takes at least 31 bytes (flags, id, time, four lengths, type byte): a count the
  // payload cannot hold is rejected before anything is reserved for it.
  if (n == 0) r.fail("event count is 0");
  if (n > r.remaining() / 31) r.fail("event count exceeds what the payload can hold");
  if (out.first_version > ~std::uint64_t{0} - n || out.first_position > ~std::uint64_t{0} - n) {
    r.fail("versions or positions wrap around");
  }
  out.events.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    EventData e;
    const std::uint8_t flags = r.u8("event flags");
    if ((flags & ~kKnownFlags) != 0) r.fail("unknown event flags");
    e.id = r.uuid("event id");
    e.time = Timestamp(static_cast<std::int64_t>(r.u64("event time")));
    e.type = r.text(1, kMaxTypeBytes, "event type");
    e.source = r.text(0, kMaxSourceBytes, "event source");
    e.content_type = r.text(0, kMaxContentTypeBytes, "event content type");
    if ((flags & kHasCorrelation) != 0) e.correlation_id = r.uuid("correlation id");
    if ((flags & kHasCausation) != 0) e.causation_id = r.uuid("causation id");
    e.data = r.bytes(max_data, "event data");
    e.attributes = r.bytes(kMaxAttributeBytes, "event attributes");
    out.events.push_back(e);
  }
  r.finish();
}

void encode_snapshot(std::pmr::vector<std::byte>& out, std::string_view stream,
                     const SnapshotData& snapshot) {
  put_text(out, stream);
  put_u64(out, snapshot.version);
  put_text(out, snapshot.type);
  put_text(out, snapshot.state);
}

SnapshotFrame decode_snapshot(std::span<const std::byte> payload, std::size_t max_state,
                              FrameOrigin origin) {
  Reader r(payload, origin, "snapshot");
  SnapshotFrame f;
  f.stream = r.text(1, kMaxStreamIdBytes, "stream id");
  f.snapshot.version = r.u64("snapshot version");
  f.snapshot.type = r.text(1, kMaxTypeBytes, "snapshot type");
  f.snapshot.state = r.bytes(max_state, "snapshot state");
  r.finish();
  return f;
}

void encode_retention(std::pmr::vector<std::byte>& out, std::string_view stream,
                      RetentionPolicy policy) {
  put_text(out, stream);
  out.push_back(static_cast<std::byte>(policy.kind));
  put_u64(out, policy.keep_events);
}

RetentionFrame decode_retention(std::span<const std::byte> payload, FrameOrigin origin) {
  Reader r(payload, origin, "retention");
  RetentionFrame f;
  f.stream = r.text(1, kMaxStreamIdBytes, "stream id");
  const std::uint8_t kind = r.u8("retention kind");
  if (kind > static_cast<std::uint8_t>(RetentionPolicy::Kind::kDropBeforeSnapshot)) {
    r.fail("unknown retention kind " + std::to_string(kind));
  }
  f.policy.kind = static_cast<RetentionPolicy::Kind>(kind);
  f.policy.keep_events = r.u64("keep events");
  r.finish();
  return f;
}

void decode_checkpoint_begin(std::span<const std::byte> payload, FrameOrigin origin) {
  const Reader r(payload, origin, "checkpoint begin");
  r.finish();
}

void encode_stream_base(std::pmr::vector<std::byte>& out, std::string_view stream,
                        std::uint64_t version) {
  put_text(out, stream);
  put_u64(out, version);
}

StreamBaseFrame decode_stream_base(std::span<const std::byte> payload, FrameOrigin origin) {
  Reader r(payload, origin, "stream base");
  StreamBaseFrame f;
  f.stream = r.text(1, kMaxStreamIdBytes, "stream id");
  f.version = r.u64("base version");
  if (f.version == 0) r.fail("base version is 0");
  r.finish();
  return f;
}

void encode_checkpoint_end(std::pmr::vector<std::byte>& out, std::uint64_t next_position) {
  put_u64(out, next_position);
}

std::uint64_t decode_checkpoint_end(std::span<const std::byte> payload, FrameOrigin origin) {
  Reader r(payload, origin, "checkpoint end");
  const std::uint64_t next = r.u64("next position");
  r.finish();
  return next;
}

}  // namespace orchestrix::detail
