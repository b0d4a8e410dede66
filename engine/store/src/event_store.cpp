// The public EventStore: a thin facade over detail::StoreImpl, which lives in a block taken
// from the store's own memory resource.
#include "orchestrix/event_store.hpp"

#include <limits>
#include <new>

#include "orchestrix/durable/file_system.hpp"
#include "store_impl.hpp"

namespace orchestrix {

EventStore::EventStore(const StoreOptions& options)
    : EventStore(options, durable::posix_file_system()) {}

EventStore::EventStore(const StoreOptions& options, durable::FileSystem& fs) {
  std::pmr::memory_resource* memory =
      options.memory ? options.memory : std::pmr::get_default_resource();
  void* p = memory->allocate(sizeof(detail::StoreImpl), alignof(detail::StoreImpl));
  try {
    impl_ = new (p) detail::StoreImpl(options, memory, fs);
  } catch (...) {
    memory->deallocate(p, sizeof(detail::StoreImpl), alignof(detail::StoreImpl));
    throw;
  }
}

EventStore::~EventStore() {
  std::pmr::memory_resource* memory = impl_->upstream();
  impl_->~StoreImpl();
  memory->deallocate(impl_, sizeof(detail::StoreImpl), alignof(detail::StoreImpl));
}

AppendResult EventStore::append(std::string_view stream, std::span<const EventData> events,
                                ExpectedVersion expected) {
  return impl_->append(stream, events, expected);
}

EventRange EventStore::read(std::string_view stream, std::uint64_t from_version,
                            BelowRetained below) const {
  return impl_->read(stream, from_version, below);
}

AllEventsRange EventStore::read_all(Position from) const { return impl_->read_all(from); }

std::optional<std::uint64_t> EventStore::stream_version(std::string_view stream) const {
  return impl_->stream_version(stream);
}

Position EventStore::head_position() const noexcept { return Position{impl_->head_position()}; }

Position EventStore::wait_for_append(Position after, std::chrono::nanoseconds timeout) const {
  return impl_->wait_for_append(after, timeout);
}

void EventStore::save_snapshot(std::string_view stream, const SnapshotData& snapshot) {
  impl_->save_snapshot(stream, snapshot);
}

std::optional<Snapshot> EventStore::load_snapshot(std::string_view stream) const {
  return impl_->load_snapshot(stream, std::numeric_limits<std::uint64_t>::max());
}

std::optional<Snapshot> EventStore::load_snapshot(std::string_view stream,
                                                  std::uint64_t max_version) const {
  return impl_->load_snapshot(stream, max_version);
}

void EventStore::set_retention(std::string_view stream, RetentionPolicy policy) {
  impl_->set_retention(stream, policy);
}

CompactionResult EventStore::compact(CompactionOptions options) { return impl_->compact(options); }

StoreMemoryStats EventStore::memory_stats() const { return impl_->memory_stats(); }

std::pmr::memory_resource* EventStore::memory_resource() const noexcept {
  return impl_->upstream();
}

}  // namespace orchestrix
