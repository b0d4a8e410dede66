// Internal: the tests' way into a store's internals (tests have engine/store/src on their
// include path). EventStore and StoreImpl name StoreAccess a friend; nothing else uses it, and
// the public API gains nothing but that friend declaration.
//
//   orchestrix::detail::StoreAccess::check_invariants(store);  // throws
//   orchestrix::InvariantViolation
//
// Thread safety: check_invariants() is safe at any time (see StoreImpl::check_invariants());
// the other members hand out internals for tests that deliberately corrupt and then restore
// them, which is safe only while no other thread uses the store.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "orchestrix/event_store.hpp"
#include "store_impl.hpp"

namespace orchestrix::detail {

struct StoreAccess {
  // A store whose every file access goes through `fs` (a durable::FaultFileSystem in tests).
  static std::unique_ptr<EventStore> open(const StoreOptions& options, durable::FileSystem& fs) {
    return std::unique_ptr<EventStore>(new EventStore(options, fs));
  }

  static const StoreImpl& impl(const EventStore& store) noexcept { return *store.impl_; }
  static StoreImpl& impl(EventStore& store) noexcept { return *store.impl_; }

  // Walks the store's structure; throws orchestrix::InvariantViolation at the first broken
  // invariant.
  static void check_invariants(const EventStore& store) { impl(store).check_invariants(); }

  // The versions of the compression dictionaries the store holds (current and old).
  static std::vector<std::uint32_t> dictionary_versions(const EventStore& store) {
    std::vector<std::uint32_t> versions;
    impl(store).dictionaries_.for_each([&](const Dictionary& d) { versions.push_back(d.version); });
    std::sort(versions.begin(), versions.end());
    return versions;
  }

  // The state of `stream`, or nullptr when it does not exist.
  static StreamState* stream(EventStore& store, std::string_view stream) {
    StoreImpl& s = impl(store);
    Shard& shard = s.shard_for(stream);
    std::shared_lock lock(shard.mu);
    return s.find_locked(shard, stream);
  }

  // The first segment of the log (nullptr when the log is empty).
  static Segment* log_head(EventStore& store) noexcept {
    return impl(store).head_.load(std::memory_order_acquire);
  }
};

}  // namespace orchestrix::detail
