// StoreImpl: opening a directory's log and replaying it (docs/durability.md, "Recovery").
//
// The log is log-000001.orx in the directory. A new directory gets a new log (a random v4 store
// id in its header); an existing one is scanned by LogWriter::open_until(), which verifies every
// frame's CRC, cuts a torn tail (or, with RecoveryPolicy::kSalvage, everything from the first bad
// frame), and hands each valid frame to replay_frame(). Frames are replayed through the store's
// own paths (append's write_batch, save_snapshot, set_retention) with replaying_ set, so nothing
// is logged twice; a batch's recorded version and position must be the ones the replay
// reaches, or the log is corrupt.
#include <string>

#include "orchestrix/detail/check.hpp"
#include "orchestrix/errors.hpp"
#include "persist/store_frames.hpp"
#include "store_impl.hpp"

namespace orchestrix::detail {
namespace {

constexpr const char* kLogName = "log-000001.orx";

durable::Durability durability_of(Durability d) noexcept {
  switch (d) {
    case Durability::kNone:
      return durable::Durability::kNone;
    case Durability::kPeriodic:
      return durable::Durability::kPeriodic;
    case Durability::kOnCommit:
      break;
  }
  return durable::Durability::kOnCommit;
}

[[noreturn]] void bad_replay(FrameOrigin origin, const std::string& what) {
  throw CorruptionError(CorruptionError::Kind::kBadFrame, origin.path, origin.offset, what);
}

}  // namespace

void StoreImpl::open_log() {
  const std::string path = durable::join_path(options_.directory, kLogName);
  durable::WriterOptions writer;
  writer.durability = durability_of(options_.durability);
  writer.sync_interval = options_.sync_interval;
  writer.memory = &log_memory_;
  if (!fs_->exists(path)) {
    log_ = durable::LogWriter::create(*fs_, path, Uuid::v4(), writer);
    return;
  }
  durable::ReadOptions read;
  read.on_corruption = options_.recovery == RecoveryPolicy::kSalvage
                           ? durable::CorruptionPolicy::kSalvage
                           : durable::CorruptionPolicy::kRefuse;
  read.memory = &log_memory_;
  const bool salvage = options_.recovery == RecoveryPolicy::kSalvage;
  BatchFrame batch(&log_memory_);
  replaying_ = true;
  // The nil id: the file's own header names the store (the directory holds one store's log).
  log_ = durable::LogWriter::open_until(
      *fs_, path, Uuid{}, writer, read, [&](const durable::FrameView& frame) {
        try {
          replay_frame(frame, path, batch);
        } catch (const CorruptionError&) {
          if (!salvage) throw;
          return false;  // kSalvage: keep what came before this frame, cut it and the rest
        }
        return true;
      });
  replaying_ = false;
  // Give the decode buffer back: the store holds nothing for the replay once it is open.
  std::pmr::vector<EventData>(&log_memory_).swap(batch.events);
}

void StoreImpl::replay_frame(const durable::FrameView& frame, const std::string& path,
                             BatchFrame& batch) {
  const FrameOrigin origin{path, frame.offset};
  try {
    switch (static_cast<StoreFrame>(frame.type)) {
      case StoreFrame::kBatch:
        decode_batch(frame.payload, options_.max_payload_bytes, origin, batch);
        replay_batch(batch, origin);
        return;
      case StoreFrame::kSnapshot: {
        const SnapshotFrame f = decode_snapshot(frame.payload, options_.max_payload_bytes, origin);
        save_snapshot(f.stream, f.snapshot);
        return;
      }
      case StoreFrame::kRetention: {
        const RetentionFrame f = decode_retention(frame.payload, origin);
        set_retention(f.stream, f.policy);
        return;
      }
    }
  } catch (const InvalidArgument& e) {
    // A well-formed frame the store refuses (a snapshot of a missing stream, a field over this
    // store's limits): the log does not describe a history this store could have made.
    bad_replay(origin, std::string("frame cannot be replayed: ") + e.what());
  }
  bad_replay(origin, "unknown store frame type " + std::to_string(frame.type));
}

void StoreImpl::replay_batch(const BatchFrame& frame, FrameOrigin origin) {
  BatchScan batch;
  scan(frame.stream, frame.events, batch);
  const StreamKey key(frame.stream);
  Shard& shard = shard_for(key);
  {
    const std::unique_lock lock(shard.mu);
    StreamState* st = find_locked(shard, key);
    const std::uint64_t count = st != nullptr ? st->event_count : 0;
    if (count != frame.first_version) {
      bad_replay(origin, "batch of stream '" + std::string(frame.stream) + "' at version " +
                             std::to_string(frame.first_version) + ", but the stream has " +
                             std::to_string(count) + " events");
    }
    const std::uint64_t next = published_.load(std::memory_order_relaxed);
    if (next != frame.first_position) {
      bad_replay(origin, "batch at position " + std::to_string(frame.first_position) +
                             ", but the log's next position is " + std::to_string(next));
    }
    if (!batch.shapes_known) batch.first_shape = intern_shapes(frame.events);
    if (st == nullptr) st = create_stream_locked(shard, frame.stream);
    const AppendResult r = write_batch(*st, frame.events, batch);
    ORCHESTRIX_DCHECK(r.first_position.value == frame.first_position);
  }
  if (seal_pending_.load(std::memory_order_relaxed)) maybe_compress_sealed();
}

}  // namespace orchestrix::detail
