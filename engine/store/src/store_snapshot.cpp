// EventStore internals: snapshots and the Snapshot handle.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <utility>

#include "format/snapshot_blob.hpp"
#include "orchestrix/errors.hpp"
#include "store_impl.hpp"

namespace orchestrix {

struct SnapshotAccess {
  static Snapshot make(detail::SnapshotBlob* blob) noexcept {
    blob->add_ref();
    return Snapshot(blob);
  }
};

// A moved-from handle holds no block (blob_ == nullptr); copying it gives another empty handle.
Snapshot::Snapshot(const Snapshot& other) noexcept : blob_(other.blob_) {
  if (blob_) blob_->add_ref();
}

// NOLINTNEXTLINE(bugprone-unhandled-self-assignment): a self-assignment has equal blobs: no-op.
Snapshot& Snapshot::operator=(const Snapshot& other) noexcept {
  if (blob_ != other.blob_) {
    if (other.blob_) other.blob_->add_ref();
    if (blob_) blob_->release();
    blob_ = other.blob_;
  }
  return *this;
}

Snapshot::Snapshot(Snapshot&& other) noexcept : blob_(std::exchange(other.blob_, nullptr)) {}

Snapshot& Snapshot::operator=(Snapshot&& other) noexcept {
  if (this != &other) {
    if (blob_) blob_->release();
    blob_ = std::exchange(other.blob_, nullptr);
  }
  return *this;
}

Snapshot::~Snapshot() {
  if (blob_) blob_->release();
}

std::uint64_t Snapshot::version() const noexcept { return blob_->version; }
std::string_view Snapshot::type() const noexcept { return blob_->type; }
std::span<const std::byte> Snapshot::state() const noexcept {
  return {blob_->state(), blob_->state_bytes};
}

namespace detail {
namespace {

// States up to this size are copied while the shard lock is held, which lets a save take over
// the block of the snapshot it pushes out (no allocation, no free); larger states are copied
// into a fresh block before the lock, so that the copy never holds up the shard.
constexpr std::size_t kInPlaceStateBytes = 4096;

// A fresh block holding `snapshot` (type not set yet). Throws std::bad_alloc.
SnapshotBlob* make_blob(std::pmr::memory_resource& memory, const SnapshotData& snapshot) {
  void* p = memory.allocate(sizeof(SnapshotBlob) + snapshot.state.size(), alignof(SnapshotBlob));
  auto* blob = new (p) SnapshotBlob{};
  blob->memory = &memory;
  blob->version = snapshot.version;
  blob->state_bytes = snapshot.state.size();
  if (!snapshot.state.empty()) {
    std::memcpy(blob->state(), snapshot.state.data(), snapshot.state.size());
  }
  return blob;
}

// Releases the block unless ownership moved on (b reset to nullptr).
struct BlobGuard {
  SnapshotBlob* b = nullptr;
  BlobGuard() = default;
  BlobGuard(const BlobGuard&) = delete;
  BlobGuard& operator=(const BlobGuard&) = delete;
  ~BlobGuard() {
    if (b) b->release();
  }
};

}  // namespace

void StoreImpl::save_snapshot(std::string_view stream, const SnapshotData& snapshot) {
  if (snapshot.type.empty()) throw InvalidArgument("snapshot type is empty");
  if (snapshot.type.size() > kMaxTypeBytes) {
    throw InvalidArgument("snapshot type is longer than 255 bytes");
  }
  if (snapshot.state.size() > options_.max_payload_bytes) {
    throw InvalidArgument("snapshot state is larger than StoreOptions::max_payload_bytes");
  }
  const bool in_place = snapshot.state.size() <= kInPlaceStateBytes;
  BlobGuard guard;  // the new block, released (freed) again if anything below throws
  if (!in_place) guard.b = make_blob(snapshot_memory_, snapshot);

  // With a log: the frame, encoded before the lock, written under it (after every check).
  std::pmr::vector<std::byte> frame(&log_memory_);
  std::uint64_t log_end = 0;
  if (logging()) encode_snapshot(frame, stream, snapshot);

  const StreamKey key(stream);

  Shard& shard = shard_for(key);
  std::unique_lock lock(shard.mu);
  StreamState* st = find_locked(shard, key);
  if (st == nullptr) throw InvalidArgument("snapshot of a stream that does not exist");
  if (snapshot.version > st->event_count) {
    throw InvalidArgument("snapshot version is beyond the stream's head (version > event count)");
  }
  if (!st->snapshots.empty() && snapshot.version < st->snapshots.back()->version) {
    throw InvalidArgument("snapshot version is older than the stream's latest snapshot");
  }
  // Retention: where the stream's retained range will start, and the bytes of the run that
  // point cuts into, resolved now (a cache fill may throw) before anything changes. The pin
  // keeps them valid until advance_retained_locked() has read them.
  // A checkpoint's snapshots are replayed after its events with the retained range already as
  // it was (store_recovery.cpp): they keep it.
  const RetentionPolicy policy = checkpoint_ == Checkpoint::kInside
                                     ? RetentionPolicy{}
                                     : (st->has_retention ? st->retention : options_.retention);
  std::uint64_t keep_from = 0;
  switch (policy.kind) {
    case RetentionPolicy::Kind::kKeepAll:
      break;
    case RetentionPolicy::Kind::kKeepBeforeSnapshot:
      keep_from = snapshot.version > policy.keep_events ? snapshot.version - policy.keep_events : 0;
      break;
    case RetentionPolicy::Kind::kDropBeforeSnapshot:
      keep_from = snapshot.version;
      break;
  }
  const bool advanced = keep_from > st->first_retained.load(std::memory_order_relaxed);
  ReadPin cut_pin;
  if (advanced) cut_pin = pin();
  const std::byte* cut_bytes = advanced ? retention_cut_bytes(*st, keep_from) : nullptr;
  if (st->snapshots.capacity() == 0) st->snapshots.reserve(options_.snapshots_per_stream);
  const bool full = st->snapshots.size() == options_.snapshots_per_stream;
  // The block pushed out may be rewritten when nothing else references it: the store's
  // reference is the only one (refs == 1), and none can be added while the shard is locked
  // exclusively (load_snapshot takes the lock; copying a handle needs a handle). Acquire: a
  // handle released just now has finished reading the old state.
  SnapshotBlob* reuse = nullptr;
  if (in_place && full) {
    SnapshotBlob* oldest = st->snapshots.front();
    if (oldest->state_bytes == snapshot.state.size() &&
        oldest->refs.load(std::memory_order_acquire) == 1) {
      reuse = oldest;
    }
  }
  if (in_place && reuse == nullptr) guard.b = make_blob(snapshot_memory_, snapshot);
  // Only an accepted snapshot adds its type to the intern table (lock order shard -> intern).
  // Last step that can throw: a bad_alloc here leaves at most the reserved capacity above. A
  // type equal to the latest snapshot's is already interned there.
  const std::string_view type =
      !st->snapshots.empty() && st->snapshots.back()->type == snapshot.type
          ? st->snapshots.back()->type
          : interns_.intern_string(snapshot.type);
  // Logged last (IoError): a failed write leaves the stream as it was.
  if (!frame.empty())
    log_end = log_->write(static_cast<std::uint8_t>(StoreFrame::kSnapshot), frame);
  if (reuse != nullptr) {
    reuse->version = snapshot.version;
    reuse->type = type;
    if (!snapshot.state.empty()) {
      std::memcpy(reuse->state(), snapshot.state.data(), snapshot.state.size());
    }
    // Oldest becomes latest; no reference changes hands.
    if (st->snapshots.size() > 1) {
      std::rotate(st->snapshots.begin(), st->snapshots.begin() + 1, st->snapshots.end());
    }
  } else {
    guard.b->type = type;
    if (full) {
      st->snapshots.front()->release();
      st->snapshots.erase(st->snapshots.begin());
    }
    st->snapshots.push_back(std::exchange(guard.b, nullptr));  // capacity reserved: no throw
  }

  if (advanced) advance_retained_locked(*st, keep_from, cut_bytes);
  lock.unlock();
  cut_pin = ReadPin{};
  log_wait(log_end);
  if (advanced) maybe_auto_compact(true);
}

std::optional<Snapshot> StoreImpl::load_snapshot(std::string_view stream,
                                                 std::uint64_t max_version) const {
  const StreamKey key(stream);
  const Shard& shard = shard_for(key);
  std::shared_lock lock(shard.mu);
  const StreamState* st = find_locked(shard, key);
  if (st == nullptr) return std::nullopt;
  for (auto it = st->snapshots.rbegin(); it != st->snapshots.rend(); ++it) {
    if ((*it)->version <= max_version) return SnapshotAccess::make(*it);
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace orchestrix
