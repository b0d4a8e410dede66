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

void StoreImpl::save_snapshot(std::string_view stream, const SnapshotData& snapshot) {
  if (snapshot.type.empty()) throw InvalidArgument("snapshot type is empty");
  if (snapshot.type.size() > kMaxTypeBytes) {
    throw InvalidArgument("snapshot type is longer than 255 bytes");
  }
  if (snapshot.state.size() > options_.max_payload_bytes) {
    throw InvalidArgument("snapshot state is larger than StoreOptions::max_payload_bytes");
  }
  // The block is made before any lock; released (freed) again if anything below throws.
  void* p = snapshot_memory_.allocate(sizeof(SnapshotBlob) + snapshot.state.size(),
                                      alignof(SnapshotBlob));
  auto* blob = new (p) SnapshotBlob{};
  blob->memory = &snapshot_memory_;
  blob->version = snapshot.version;
  blob->state_bytes = snapshot.state.size();
  if (!snapshot.state.empty()) {
    std::memcpy(blob->state(), snapshot.state.data(), snapshot.state.size());
  }
  struct Guard {
    SnapshotBlob* b;
    ~Guard() {
      if (b) b->release();
    }
  } guard{blob};

  Shard& shard = shard_for(stream);
  std::unique_lock lock(shard.mu);
  StreamState* st = find_locked(shard, stream);
  if (st == nullptr) throw InvalidArgument("snapshot of a stream that does not exist");
  if (snapshot.version > st->event_count) {
    throw InvalidArgument("snapshot version is beyond the stream's head (version > event count)");
  }
  if (!st->snapshots.empty() && snapshot.version < st->snapshots.back()->version) {
    throw InvalidArgument("snapshot version is older than the stream's latest snapshot");
  }
  if (st->snapshots.capacity() == 0) st->snapshots.reserve(options_.snapshots_per_stream);
  // Only an accepted snapshot adds its type to the intern table (lock order shard -> intern).
  // Last step that can throw: a bad_alloc here leaves at most the reserved capacity above.
  blob->type = interns_.intern_string(snapshot.type);
  if (st->snapshots.size() == options_.snapshots_per_stream) {
    st->snapshots.front()->release();
    st->snapshots.erase(st->snapshots.begin());
  }
  st->snapshots.push_back(std::exchange(guard.b, nullptr));  // capacity reserved: no throw

  const RetentionPolicy policy = st->has_retention ? st->retention : options_.retention;
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
  if (advanced) advance_retained_locked(*st, keep_from);
  lock.unlock();
  if (advanced) maybe_auto_compact(true);
}

std::optional<Snapshot> StoreImpl::load_snapshot(std::string_view stream,
                                                 std::uint64_t max_version) const {
  const Shard& shard = shard_for(stream);
  std::shared_lock lock(shard.mu);
  const StreamState* st = find_locked(shard, stream);
  if (st == nullptr) return std::nullopt;
  for (auto it = st->snapshots.rbegin(); it != st->snapshots.rend(); ++it) {
    if ((*it)->version <= max_version) return SnapshotAccess::make(*it);
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace orchestrix
