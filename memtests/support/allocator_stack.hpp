// memtests/support/allocator_stack.hpp — the resource stack a memory test runs a store on.
//
//   EventStore --> requested(): InstrumentedResource   (what the store asks for)
//              --> the allocator under test             (system | arena | pool | mimalloc)
//              --> held():      InstrumentedResource   (what that allocator takes from below;
//              --> system_resource()                     only for arena and pool)
//
// requested() is the project's primary measurement: "bytes the store holds" and the figure
// StoreMemoryStats::total_bytes() must equal. held_bytes() adds what the allocator itself keeps
// (arena slack and never-reused freed space, pool slabs and free slots); for the leaf allocators
// (system, mimalloc) it is the requested figure, since their own overhead is invisible from a
// memory_resource (VmHWM and heaptrack show it).
//
// Both instrumented layers track an exact peak (granularity 0): the memory tests are
// single-threaded on the store side, so the one shared atomic per call costs nothing that
// matters and the peak is exact.
//
// Ownership: owns the allocator and both counting layers; must outlive every store built on
// resource(). Construction allocates (operator new): build it before counting global news.
// Thread safety: as the allocator under test (all of system/arena/pool/mimalloc are thread safe
// with their default options).
#pragma once

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string_view>

#include "orchestrix/alloc/instrumented_resource.hpp"

namespace orchestrix::memtest {

class AllocatorStack {
 public:
  // `allocator`: a name of orchestrix::alloc::make_resource ("system", "arena", "pool"; also
  // "mimalloc" in a binary that linked orchestrix::mimalloc and registered it). "system" uses
  // orchestrix::alloc::system_resource() directly. Throws alloc::UnknownResource otherwise.
  explicit AllocatorStack(std::string_view allocator);
  ~AllocatorStack();
  AllocatorStack(const AllocatorStack&) = delete;
  AllocatorStack& operator=(const AllocatorStack&) = delete;

  std::string_view name() const noexcept { return name_; }

  // The resource to give the store (the top counting layer).
  std::pmr::memory_resource* resource() noexcept { return requested_.get(); }

  // The counting layer right above the allocator: bytes the store requested.
  const alloc::InstrumentedResource& requested() const noexcept { return *requested_; }
  alloc::InstrumentedResource& requested() noexcept { return *requested_; }

  // True when the allocator takes its memory from an upstream we count (arena, pool).
  bool has_upstream_counter() const noexcept { return held_ != nullptr; }
  // Bytes the allocator holds from below now / at its peak (= requested figures for a leaf).
  std::uint64_t held_bytes() const;
  std::uint64_t peak_held_bytes() const;
  // Restarts both peaks at the current live figures.
  void reset_peaks();

 private:
  std::string_view name_;
  std::unique_ptr<alloc::InstrumentedResource> held_;     // arena/pool only
  std::unique_ptr<std::pmr::memory_resource> allocator_;  // null for "system"
  std::unique_ptr<alloc::InstrumentedResource> requested_;
};

}  // namespace orchestrix::memtest
