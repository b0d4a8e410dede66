#include "orchestrix/alloc/instrumented_resource.hpp"

#include <algorithm>
#include <array>

#include "orchestrix/detail/invariant.hpp"
#include "orchestrix/errors.hpp"
#include "thread_slots.hpp"

namespace orchestrix::alloc {
namespace {

using detail::kSharedThreadSlot;
constexpr std::size_t kShardCount = detail::kExclusiveThreadSlots + 1;

// Single-writer update: the shard's only writer needs no locked instruction.
template <typename T>
inline void add_exclusive(std::atomic<T>& counter, T delta) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

template <typename T>
inline void add(bool shared, std::atomic<T>& counter, T delta) noexcept {
  if (shared) {
    counter.fetch_add(delta, std::memory_order_relaxed);
  } else {
    add_exclusive(counter, delta);
  }
}

}  // namespace

struct alignas(64) InstrumentedResource::Shard {
  std::atomic<std::uint64_t> failed_allocations{0};
  std::atomic<std::uint64_t> deallocations{0};
  std::atomic<std::uint64_t> bytes_requested{0};
  std::atomic<std::uint64_t> bytes_deallocated{0};
  // Net bytes allocated through this shard and not yet added to published_live_.
  std::atomic<std::int64_t> unpublished{0};
  // Successful allocations by size class; their sum is the allocation count.
  std::array<std::atomic<std::uint64_t>, SizeClassHistogram::kCount> size_classes{};
};

InstrumentedResource::InstrumentedResource(std::pmr::memory_resource* upstream)
    : InstrumentedResource(upstream, Options{}) {}

InstrumentedResource::InstrumentedResource(std::pmr::memory_resource* upstream, Options options)
    : ForwardingResource(upstream, "InstrumentedResource"),
      granularity_(static_cast<std::int64_t>(options.peak_granularity_bytes)),
      shards_(std::make_unique<Shard[]>(kShardCount)) {}

InstrumentedResource::~InstrumentedResource() = default;

// Hot path. The thread's shard is found with one thread-local load; an exclusive shard is
// updated with plain loads and stores (its only writer is this thread). The shard's net change
// is published to the shared total only when it reaches +-granularity_, which bounds the error
// of the peak (see the header) while keeping the shared cache line cold.
void* InstrumentedResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  const std::size_t slot = detail::current_thread_slot();
  const bool shared = slot == kSharedThreadSlot;
  Shard& shard = shards_[slot];
  void* p = nullptr;
  try {
    p = upstream()->allocate(bytes, alignment);
  } catch (...) {
    add<std::uint64_t>(shared, shard.failed_allocations, 1);
    throw;
  }
  add<std::uint64_t>(shared, shard.bytes_requested, bytes);
  add<std::uint64_t>(shared, shard.size_classes[SizeClassHistogram::class_of(bytes)], 1);
  const auto delta = static_cast<std::int64_t>(bytes);
  if (shared) {
    publish(delta);
    return p;
  }
  const std::int64_t pending = shard.unpublished.load(std::memory_order_relaxed) + delta;
  if (pending >= granularity_) {
    shard.unpublished.store(0, std::memory_order_relaxed);
    publish(pending);
  } else {
    shard.unpublished.store(pending, std::memory_order_relaxed);
  }
  return p;
}

void InstrumentedResource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  upstream()->deallocate(p, bytes, alignment);
  const std::size_t slot = detail::current_thread_slot();
  const bool shared = slot == kSharedThreadSlot;
  Shard& shard = shards_[slot];
  add<std::uint64_t>(shared, shard.deallocations, 1);
  add<std::uint64_t>(shared, shard.bytes_deallocated, bytes);
  const auto delta = -static_cast<std::int64_t>(bytes);
  if (shared) {
    publish(delta);
  } else {
    const std::int64_t pending = shard.unpublished.load(std::memory_order_relaxed) + delta;
    if (pending <= -granularity_) {
      shard.unpublished.store(0, std::memory_order_relaxed);
      publish(pending);
    } else {
      shard.unpublished.store(pending, std::memory_order_relaxed);
    }
  }
}

// Adds a shard's pending net change to the shared total and raises the peak to the new total.
// Only increases can raise the peak, so decreases skip the compare-exchange loop.
void InstrumentedResource::publish(std::int64_t delta) noexcept {
  const std::int64_t total = published_live_.fetch_add(delta, std::memory_order_relaxed) + delta;
  if (delta <= 0) return;
  std::int64_t peak = peak_.load(std::memory_order_relaxed);
  while (total > peak && !peak_.compare_exchange_weak(peak, total, std::memory_order_relaxed)) {
  }
}

std::int64_t InstrumentedResource::exact_live() const noexcept {
  std::int64_t live = 0;
  for (std::size_t i = 0; i < kShardCount; ++i) {
    live += static_cast<std::int64_t>(shards_[i].bytes_requested.load(std::memory_order_relaxed));
    live -= static_cast<std::int64_t>(shards_[i].bytes_deallocated.load(std::memory_order_relaxed));
  }
  return std::max<std::int64_t>(live, 0);
}

std::size_t InstrumentedResource::bytes_live() const {
  return static_cast<std::size_t>(exact_live());
}

MemoryStats InstrumentedResource::stats() const {
  MemoryStats s;
  for (std::size_t i = 0; i < kShardCount; ++i) {
    const Shard& shard = shards_[i];
    s.failed_allocations += shard.failed_allocations.load(std::memory_order_relaxed);
    s.deallocations += shard.deallocations.load(std::memory_order_relaxed);
    s.bytes_requested += shard.bytes_requested.load(std::memory_order_relaxed);
    s.bytes_deallocated += shard.bytes_deallocated.load(std::memory_order_relaxed);
    for (std::size_t c = 0; c < SizeClassHistogram::kCount; ++c) {
      const std::uint64_t count = shard.size_classes[c].load(std::memory_order_relaxed);
      s.size_classes.allocations[c] += count;
      s.allocations += count;
    }
  }
  s.bytes_live =
      s.bytes_requested >= s.bytes_deallocated ? s.bytes_requested - s.bytes_deallocated : 0;
  // The peak is never below a live figure this resource has reported.
  const auto live = static_cast<std::int64_t>(s.bytes_live);
  std::int64_t peak = peak_.load(std::memory_order_relaxed);
  while (live > peak && !peak_.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
  s.peak_bytes_live = static_cast<std::uint64_t>(std::max(peak, live));
  return s;
}

void InstrumentedResource::reset_peak() { peak_.store(exact_live(), std::memory_order_relaxed); }

void InstrumentedResource::check_invariants() const {
  using orchestrix::detail::invariant_violated;
  constexpr std::string_view kWhat = "InstrumentedResource";
  std::uint64_t allocations = 0;
  std::uint64_t deallocations = 0;
  std::uint64_t requested = 0;
  std::uint64_t deallocated = 0;
  std::int64_t unpublished = 0;
  for (std::size_t i = 0; i < kShardCount; ++i) {
    const Shard& shard = shards_[i];
    for (const auto& count : shard.size_classes)
      allocations += count.load(std::memory_order_relaxed);
    deallocations += shard.deallocations.load(std::memory_order_relaxed);
    requested += shard.bytes_requested.load(std::memory_order_relaxed);
    deallocated += shard.bytes_deallocated.load(std::memory_order_relaxed);
    const std::int64_t pending = shard.unpublished.load(std::memory_order_relaxed);
    // The shared shard publishes every change at once; an exclusive one publishes on reaching
    // +-G, so what it holds back stays strictly inside (-G, G) (exactly 0 when G = 0).
    const bool within = i == kSharedThreadSlot || granularity_ == 0
                            ? pending == 0
                            : pending > -granularity_ && pending < granularity_;
    if (!within) {
      invariant_violated(kWhat, "shard ", i, " holds back ", pending,
                         " bytes of net change, granularity ", granularity_);
    }
    unpublished += pending;
  }
  if (deallocations > allocations || deallocated > requested) {
    invariant_violated(kWhat, deallocations, " deallocations of ", deallocated, " bytes exceed ",
                       allocations, " allocations of ", requested, " bytes");
  }
  const auto live = static_cast<std::int64_t>(requested - deallocated);
  const std::int64_t published = published_live_.load(std::memory_order_relaxed);
  if (published + unpublished != live) {
    invariant_violated(kWhat, "published total ", published, " plus unpublished ", unpublished,
                       " is not the ", live, " bytes live");
  }
  // Each exclusive shard holds back less than G, and the shared total exceeds the peak by less
  // than the shards held back when the peak was last reset: live < peak + 2 * shards * G.
  const std::int64_t peak = peak_.load(std::memory_order_relaxed);
  const std::int64_t slack = 2 * static_cast<std::int64_t>(kShardCount) * granularity_;
  if (granularity_ == 0 ? live > peak : live >= peak + slack) {
    invariant_violated(kWhat, live, " bytes live exceed the peak ", peak, " by more than ", slack);
  }
}

}  // namespace orchestrix::alloc
