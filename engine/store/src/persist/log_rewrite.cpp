// StoreImpl::rewrite_log(): compact() with a log writes the retained state into the log's next
// generation and continues there (docs/durability.md, "Log rewrite").
//
//   1. every shard lock exclusively: no append, snapshot or set_retention runs (each holds one
//      while it writes its frame), so the log ends where the state below was read;
//   2. log-<g+1>.orx.tmp (LogWriter::create, kNone): kCheckpointBegin, a kStreamBase per stream
//      whose oldest events were dropped, the retained events as batches in position order
//      (each keeps its position, version, id and time; with compression on, zstd-compressed
//      together in kPacked frames of about 1 MiB), per stream its retention override and
//      snapshots (oldest first), kCheckpointEnd with the next position; synced and closed;
//   3. rename to log-<g+1>.orx, fsync of the directory;
//   4. the writer syncs the old file and continues in the new one (LogWriter::replace_file);
//   5. the locks go, the old log is removed (a failure leaves it for the next open to remove).
//
// A crash before 3 leaves the old log and a .tmp file (removed at open); after 3 both logs, the
// higher generation complete and identical in content (opened; the other removed). A failure
// (IoError) at any step fails the writer: later changes are refused until the store is
// reopened, which finds one of the two, both complete.
#include <cerrno>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "orchestrix/durable/log_writer.hpp"
#include "orchestrix/errors.hpp"
#include "persist/packed_frames.hpp"
#include "persist/store_frames.hpp"
#include "store_impl.hpp"

namespace orchestrix::detail {
namespace {

// Events per batch frame of the checkpoint, and events read under one pin: a pin keeps every
// cache block evicted meanwhile, so a long read is split into ranges of this many events.
constexpr std::size_t kFrameEvents = 256;
constexpr std::size_t kFrameBytes = 1024 * 1024;
constexpr std::size_t kRangeEvents = 16 * 1024;
// Uncompressed bytes per packed frame (compression on): the packer's buffer, its zstd output
// and context stay a few MiB, within a store's budget.
constexpr std::size_t kPackBytes = 256 * 1024;

// Every shard's lock, exclusively, in index order (the store's lock order), released in reverse.
class AllShardsLocked {
 public:
  AllShardsLocked(Shard* shards, std::size_t count) : shards_(shards), count_(count) {
    for (std::size_t i = 0; i < count_; ++i) shards_[i].mu.lock();
  }
  ~AllShardsLocked() {
    for (std::size_t i = count_; i > 0; --i) shards_[i - 1].mu.unlock();
  }
  AllShardsLocked(const AllShardsLocked&) = delete;
  AllShardsLocked& operator=(const AllShardsLocked&) = delete;

 private:
  Shard* shards_;
  std::size_t count_;
};

void remove_quietly(durable::FileSystem& fs, const std::string& path) noexcept {
  try {
    if (fs.exists(path)) fs.remove(path);
  } catch (...) {
    // Left for the next open, which removes "log-*.tmp".
  }
}

}  // namespace

void StoreImpl::rewrite_log() {
  const std::string& dir = options_.directory;
  const std::uint32_t next_generation = log_generation_ + 1;
  const std::string final_path = durable::join_path(dir, log_file_name(next_generation));
  const std::string tmp_path = final_path + ".tmp";
  const std::string old_path = durable::join_path(dir, log_file_name(log_generation_));
  bool renamed = false;
  try {
    const AllShardsLocked frozen(shards_, shard_count_);
    const std::uint64_t next_position = published_.load(std::memory_order_acquire);
    durable::WriterOptions wo;
    wo.durability = durable::Durability::kNone;
    wo.memory = &log_memory_;
    // Left by a rewrite whose clean-up failed (LogWriter::create refuses an existing file).
    for (const std::string& p : {tmp_path, tmp_path + ".tmp"}) {
      if (fs_->exists(p)) fs_->remove(p);
    }
    {
      std::unique_ptr<durable::LogWriter> out =
          durable::LogWriter::create(*fs_, tmp_path, store_id_, wo);
      std::pmr::vector<std::byte> frame(&log_memory_);
      // With compression on, batches go into packed frames (packed_frames.hpp); a batch too big
      // for a pack is written as it is.
      std::optional<FramePacker> packer;
      if (options_.compression.enabled) packer.emplace(&log_memory_, options_.compression.level);
      std::pmr::vector<std::byte> packed(&log_memory_);
      auto flush_pack = [&] {
        if (!packer || packer->pending_bytes() == 0) return;
        packer->finish(packed);
        out->write(static_cast<std::uint8_t>(StoreFrame::kPacked), packed);
      };
      auto put = [&](StoreFrame type) {
        if (type == StoreFrame::kBatch && packer && frame.size() + 10 <= kMaxPackedBytes) {
          if (packer->pending_bytes() + frame.size() > kPackBytes) flush_pack();
          packer->add(frame);
        } else {
          flush_pack();
          out->write(static_cast<std::uint8_t>(type), frame);
        }
        frame.clear();
      };
      put(StoreFrame::kCheckpointBegin);
      for (std::size_t i = 0; i < shard_count_; ++i) {
        for (const auto& [name, st] : shards_[i].streams) {
          const std::uint64_t first = st->first_retained.load(std::memory_order_relaxed);
          if (first == 0) continue;
          encode_stream_base(frame, name, first);
          put(StoreFrame::kStreamBase);
        }
      }
      // The retained events, in position order, as batches of one stream's consecutive events.
      std::pmr::vector<EventData> events(&log_memory_);
      std::string_view stream;
      std::uint64_t first_version = 0;
      std::uint64_t first_position = 0;
      std::size_t batch_bytes = 0;
      auto flush = [&] {
        if (events.empty()) return;
        const std::size_t field = encode_batch(frame, stream, first_version, events, {}, 0);
        patch_batch_position(frame, field, first_position);
        put(StoreFrame::kBatch);
        events.clear();
        batch_bytes = 0;
      };
      std::uint64_t from = 0;
      while (from < next_position) {
        const AllEventsRange range = read_all(Position{from});
        std::size_t read = 0;
        auto it = range.begin();
        for (; it != range.end() && read < kRangeEvents; ++it, ++read) {
          const EventView& e = *it;
          const std::uint64_t position = e.position().value;
          if (position >= next_position) break;
          const bool continues = !events.empty() && e.stream() == stream &&
                                 e.version() == first_version + events.size() &&
                                 position == first_position + events.size();
          if (!continues || events.size() == kFrameEvents ||
              batch_bytes + e.data().size() > kFrameBytes) {
            flush();
            stream = e.stream();
            first_version = e.version();
            first_position = position;
          }
          EventData d;
          d.type = e.type();
          d.data = e.data();
          d.id = e.id();
          d.source = e.source();
          d.time = e.time();
          d.content_type = e.content_type();
          d.correlation_id = e.correlation_id();
          d.causation_id = e.causation_id();
          d.attributes = e.attributes();
          events.push_back(d);
          batch_bytes += d.data.size() + d.attributes.size();
          from = position + 1;
        }
        flush();  // before the range (and the bytes its views point into) goes
        if (read < kRangeEvents) break;  // the range ended (nothing is appended meanwhile)
      }
      std::pmr::vector<EventData>(&log_memory_).swap(events);
      for (std::size_t i = 0; i < shard_count_; ++i) {
        for (const auto& [name, st] : shards_[i].streams) {
          if (st->has_retention) {
            encode_retention(frame, name, st->retention);
            put(StoreFrame::kRetention);
          }
          for (const SnapshotBlob* b : st->snapshots) {
            const SnapshotData d{b->version, b->type, std::span(b->state(), b->state_bytes)};
            encode_snapshot(frame, name, d);
            put(StoreFrame::kSnapshot);
          }
        }
      }
      encode_checkpoint_end(frame, next_position);
      put(StoreFrame::kCheckpointEnd);
      out->close();  // syncs
    }
    fs_->rename(tmp_path, final_path);
    renamed = true;
    fs_->sync_directory(dir);
    std::unique_ptr<durable::File> file = fs_->open(final_path, durable::OpenMode::kReadWrite);
    const std::uint64_t size = file->size();
    log_->replace_file(std::move(file), size, final_path);
    log_generation_ = next_generation;
    log_dropped_ = retained_below_.load(std::memory_order_relaxed);
  } catch (const IoError& e) {
    if (!renamed) remove_quietly(*fs_, tmp_path);
    log_->fail(e);
    throw;
  } catch (...) {
    // std::bad_alloc, or a cold segment that could not be read. Before the rename the old log
    // is untouched and still the store's, so the store goes on with it; after it the new one
    // is (see above).
    if (!renamed) {
      remove_quietly(*fs_, tmp_path);
    } else {
      log_->fail(IoError("switch to the rewritten log", final_path, EIO));
    }
    throw;
  }
  try {
    fs_->remove(old_path);
  } catch (const IoError&) {
    // The next open removes it (a lower generation than the store's log).
  }
}

}  // namespace orchestrix::detail
