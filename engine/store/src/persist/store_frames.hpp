// Internal: the payloads of the store's log frames (docs/durability.md, "Store frames"). Pure
// functions over bytes: little-endian fixed-width integers, LEB128 varints for lengths and
// counts. The frame header, CRC and file header around them are the durable layer's
// (orchestrix/durable/log_format.hpp).
//
// Encoders append to a caller's buffer (its resource pays; they throw std::bad_alloc only).
// Decoders never read outside the payload and throw orchestrix::CorruptionError (kind kBadFrame,
// the file and the frame's offset given by the caller) for any payload that is not exactly one
// well-formed frame of the type: a length past the end, an over-long varint, a field over the
// store's limits, trailing bytes. Decoded views point into the payload (valid while it is).
// Thread safety: none needed (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrix/event.hpp"
#include "orchestrix/snapshot.hpp"
#include "orchestrix/store_options.hpp"

namespace orchestrix::detail {

// Frame types of a store log (0 is reserved by the durable layer).
enum class StoreFrame : std::uint8_t {
  kBatch = 1,      // one append's events
  kSnapshot = 2,   // one save_snapshot()
  kRetention = 3,  // one set_retention()
  // A rewritten log (compact(), persist/log_rewrite.cpp) starts with a checkpoint: the retained
  // state as frames, between kCheckpointBegin (the file's first frame, empty payload) and
  // kCheckpointEnd. Inside it, kStreamBase frames give streams whose oldest events were dropped,
  // batches may skip positions (dropped events of other streams), and snapshots do not apply
  // retention again.
  kCheckpointBegin = 4,
  kStreamBase = 5,     // a stream whose first `version` events were dropped
  kCheckpointEnd = 6,  // the next position of the log at the checkpoint
  kPacked = 7,         // batches of a checkpoint, zstd-compressed together (packed_frames.hpp)
};

// Where a decoded payload came from, for the error message.
struct FrameOrigin {
  std::string_view path;
  std::uint64_t offset = 0;
};

// ---- batch ----
// Appends the payload of an append of `events` to `stream`: ids and times are resolved (an event
// without an id takes generated_ids[i]; without a time, `now`), so replay rebuilds the same
// events. REQUIRES: generated_ids.size() == events.size() when an event lacks an id. Returns the
// offset in `out` (from where it started) of the 8-byte first-position field, which the caller
// patches with patch_batch_position() once the position is reserved.
std::size_t encode_batch(std::pmr::vector<std::byte>& out, std::string_view stream,
                         std::uint64_t first_version, std::span<const EventData> events,
                         std::span<const Uuid> generated_ids, std::int64_t now);
void patch_batch_position(std::span<std::byte> payload, std::size_t field,
                          std::uint64_t first_position) noexcept;

struct BatchFrame {
  explicit BatchFrame(std::pmr::memory_resource* memory) : events(memory) {}
  std::string_view stream;
  std::uint64_t first_version = 0;
  std::uint64_t first_position = 0;
  std::pmr::vector<EventData> events;  // every id and time set
};
// Limits checked: stream id 1..1024 bytes, type 1..255, source <= 1024, content type <= 255,
// data <= max_data, attributes <= 65,536, count >= 1, versions and positions that do not wrap.
void decode_batch(std::span<const std::byte> payload, std::size_t max_data, FrameOrigin origin,
                  BatchFrame& out);

// ---- snapshot ----
void encode_snapshot(std::pmr::vector<std::byte>& out, std::string_view stream,
                     const SnapshotData& snapshot);
struct SnapshotFrame {
  std::string_view stream;
  SnapshotData snapshot;
};
SnapshotFrame decode_snapshot(std::span<const std::byte> payload, std::size_t max_state,
                              FrameOrigin origin);

// ---- retention ----
void encode_retention(std::pmr::vector<std::byte>& out, std::string_view stream,
                      RetentionPolicy policy);
struct RetentionFrame {
  std::string_view stream;
  RetentionPolicy policy;
};
RetentionFrame decode_retention(std::span<const std::byte> payload, FrameOrigin origin);

// The name of the log file of a generation: "log-000001.orx" for 1 (6 decimal digits).
std::string log_file_name(std::uint32_t generation);

// ---- checkpoint ----
// kCheckpointBegin has an empty payload: decode_checkpoint_begin() checks that it is.
void decode_checkpoint_begin(std::span<const std::byte> payload, FrameOrigin origin);
void encode_stream_base(std::pmr::vector<std::byte>& out, std::string_view stream,
                        std::uint64_t version);
struct StreamBaseFrame {
  std::string_view stream;
  std::uint64_t version = 0;  // the stream's event count and first retained version
};
StreamBaseFrame decode_stream_base(std::span<const std::byte> payload, FrameOrigin origin);
void encode_checkpoint_end(std::pmr::vector<std::byte>& out, std::uint64_t next_position);
std::uint64_t decode_checkpoint_end(std::span<const std::byte> payload, FrameOrigin origin);

}  // namespace orchestrix::detail
