// StoreImpl: opening a directory's log and replaying it (docs/durability.md, "Recovery").
//
// The log is log-<generation>.orx in the directory (log-000001.orx for a new store; compact()
// writes the next generation, persist/log_rewrite.cpp). Opening lists the directory, removes
// "log-*.tmp" files (a rewrite that did not finish), opens the highest generation and, once it
// is replayed, removes the lower ones (a rewrite finished, its old log not yet removed). A new
// directory gets a new log (a random v4 store id in its header); an existing one is scanned by
// LogWriter::open_until(), which verifies every frame's CRC, cuts a torn tail (or, with
// RecoveryPolicy::kSalvage, everything from the first bad frame), and hands each valid frame to
// replay_frame(). Frames are replayed through the store's own paths (append's write_batch,
// save_snapshot, set_retention) with replaying_ set, so nothing is logged twice; a batch's
// recorded version and position must be the ones the replay reaches (inside a checkpoint the
// position may skip forward), or the log is corrupt.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "orchestrix/detail/check.hpp"
#include "orchestrix/errors.hpp"
#include "persist/store_frames.hpp"
#include "store_impl.hpp"

namespace orchestrix::detail {
namespace {

// "log-NNNNNN.orx" -> NNNNNN (1..999999); 0 for any other name.
std::uint32_t generation_of(const std::string& name) {
  if (name.size() != 14 || name.compare(0, 4, "log-") != 0 || name.compare(10, 4, ".orx") != 0) {
    return 0;
  }
  std::uint32_t g = 0;
  for (std::size_t i = 4; i < 10; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    g = g * 10 + static_cast<std::uint32_t>(name[i] - '0');
  }
  return g;
}

bool is_log_tmp(const std::string& name) {
  return name.size() > 8 && name.compare(0, 4, "log-") == 0 &&
         name.compare(name.size() - 4, 4, ".tmp") == 0;
}

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

std::string log_file_name(std::uint32_t generation) {
  char name[24];
  std::snprintf(name, sizeof name, "log-%06u.orx", static_cast<unsigned>(generation));
  return name;
}

void StoreImpl::open_log() {
  std::vector<std::uint32_t> generations;
  for (const std::string& name : fs_->list_directory(options_.directory)) {
    if (is_log_tmp(name)) {
      fs_->remove(durable::join_path(options_.directory, name));
    } else if (const std::uint32_t g = generation_of(name); g != 0) {
      generations.push_back(g);
    }
  }
  for (const std::uint32_t g : generations) log_generation_ = std::max(log_generation_, g);
  const std::string path = durable::join_path(options_.directory, log_file_name(log_generation_));
  durable::WriterOptions writer;
  writer.durability = durability_of(options_.durability);
  writer.sync_interval = options_.sync_interval;
  writer.memory = &log_memory_;
  if (!fs_->exists(path)) {
    store_id_ = Uuid::v4();
    log_ = durable::LogWriter::create(*fs_, path, store_id_, writer);
    return;
  }
  durable::ReadOptions read;
  read.on_corruption = options_.recovery == RecoveryPolicy::kSalvage
                           ? durable::CorruptionPolicy::kSalvage
                           : durable::CorruptionPolicy::kRefuse;
  read.memory = &log_memory_;
  // The log's header names the store; a rewrite keeps the id. An older generation left beside
  // it must name the same store: a log of another store put into the directory is refused
  // (under both policies: which of the two is the store's cannot be told).
  store_id_ = durable::LogReader(*fs_, path, Uuid{}, read).header().store;
  for (const std::uint32_t g : generations) {
    if (g == log_generation_) continue;
    const std::string other = durable::join_path(options_.directory, log_file_name(g));
    const Uuid id = durable::LogReader(*fs_, other, Uuid{}, read).header().store;
    if (id != store_id_) {
      throw CorruptionError(CorruptionError::Kind::kForeignStore, other, 16,
                            "log of store " + id.to_string() + " beside " + path + " of store " +
                                store_id_.to_string());
    }
  }
  const bool salvage = options_.recovery == RecoveryPolicy::kSalvage;
  BatchFrame batch(&log_memory_);
  FrameUnpacker unpacker(&log_memory_);
  replaying_ = true;
  log_ = durable::LogWriter::open_until(
      *fs_, path, store_id_, writer, read, [&](const durable::FrameView& frame) {
        try {
          replay_frame(frame, path, batch, unpacker);
        } catch (const CorruptionError&) {
          // kSalvage: keep what came before this frame, cut it and the rest. Not inside a
          // checkpoint (a part of one is no state the store had: streams without the snapshots
          // their retained ranges rest on), nor when part of the frame was applied already (a
          // packed frame whose later batch cannot be replayed).
          if (!salvage || partly_applied_ || checkpoint_ == Checkpoint::kInside) throw;
          return false;
        }
        return true;
      });
  replaying_ = false;
  if (checkpoint_ == Checkpoint::kInside) {  // a torn or cut checkpoint: under either policy
    throw CorruptionError(CorruptionError::Kind::kBadFrame, path, log_->file_bytes(),
                          "the log ends inside its checkpoint (no checkpoint end frame)");
  }
  checkpoint_ = Checkpoint::kDone;
  // Give the decode buffer back: the store holds nothing for the replay once it is open.
  std::pmr::vector<EventData>(&log_memory_).swap(batch.events);
  // Older generations: a rewrite that finished before its old log was removed.
  for (const std::uint32_t g : generations) {
    if (g < log_generation_) fs_->remove(durable::join_path(options_.directory, log_file_name(g)));
  }
}

void StoreImpl::replay_frame(const durable::FrameView& frame, const std::string& path,
                             BatchFrame& batch, FrameUnpacker& unpacker) {
  const FrameOrigin origin{path, frame.offset};
  const bool first = std::exchange(first_frame_, false);
  const bool inside = checkpoint_ == Checkpoint::kInside;
  const auto type = static_cast<StoreFrame>(frame.type);
  if (!inside && (type == StoreFrame::kStreamBase || type == StoreFrame::kCheckpointEnd ||
                  type == StoreFrame::kPacked)) {
    bad_replay(origin, "a checkpoint frame outside a checkpoint");
  }
  try {
    switch (type) {
      case StoreFrame::kBatch:
        decode_batch(frame.payload, options_.max_payload_bytes, origin, batch);
        replay_batch(batch, origin);
        return;
      case StoreFrame::kPacked: {
        // Every batch is decoded before any is replayed: a malformed one refuses the whole frame
        // (salvage then cuts before it, as for one batch).
        unpacker.unpack(frame.payload, origin, [&](std::span<const std::byte> payload) {
          decode_batch(payload, options_.max_payload_bytes, origin, batch);
        });
        unpacker.replay_decompressed([&](std::span<const std::byte> payload) {
          decode_batch(payload, options_.max_payload_bytes, origin, batch);
          replay_batch(batch, origin);
          partly_applied_ = true;
        });
        partly_applied_ = false;
        return;
      }
      case StoreFrame::kCheckpointBegin:
        decode_checkpoint_begin(frame.payload, origin);
        if (!first) bad_replay(origin, "a checkpoint that is not at the start of the log");
        checkpoint_ = Checkpoint::kInside;
        return;
      case StoreFrame::kStreamBase: {
        const StreamBaseFrame f = decode_stream_base(frame.payload, origin);
        replay_stream_base(f.stream, f.version, origin);
        return;
      }
      case StoreFrame::kCheckpointEnd: {
        const std::uint64_t next = decode_checkpoint_end(frame.payload, origin);
        if (next < published_.load(std::memory_order_relaxed)) {
          bad_replay(origin, "checkpoint end at position " + std::to_string(next) +
                                 ", below the log's next position");
        }
        skip_positions(next);
        checkpoint_ = Checkpoint::kDone;
        // The events dropped when the checkpoint was written are not in this log.
        log_dropped_ = retained_below_.load(std::memory_order_relaxed);
        return;
      }
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
    // Inside a checkpoint the events between two retained ones were dropped: skip forward.
    if (checkpoint_ == Checkpoint::kInside && frame.first_position > next) {
      skip_positions(frame.first_position);
    } else if (next != frame.first_position) {
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

void StoreImpl::skip_positions(std::uint64_t position) {
  const std::lock_guard lock(log_mu_);
  ORCHESTRIX_DCHECK(position >= reserved_position_);
  reserved_position_ = position;
  published_.store(position, std::memory_order_seq_cst);
}

void StoreImpl::replay_stream_base(std::string_view stream, std::uint64_t version,
                                   FrameOrigin origin) {
  const StreamKey key(stream);
  Shard& shard = shard_for(key);
  const std::unique_lock lock(shard.mu);
  if (find_locked(shard, key) != nullptr) {
    bad_replay(origin, "stream base of '" + std::string(stream) + "', which already exists");
  }
  StreamState* st = create_stream_locked(shard, stream);
  st->event_count = version;
  st->first_retained.store(version, std::memory_order_relaxed);
  retained_below_.fetch_add(version, std::memory_order_relaxed);
}

}  // namespace orchestrix::detail
