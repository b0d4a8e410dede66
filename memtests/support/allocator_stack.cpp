#include "allocator_stack.hpp"

#include "orchestrix/alloc/registry.hpp"
#include "orchestrix/alloc/system_resource.hpp"

namespace orchestrix::memtest {
namespace {
constexpr alloc::InstrumentedResource::Options kExactPeak{.peak_granularity_bytes = 0};
}  // namespace

AllocatorStack::AllocatorStack(std::string_view allocator) : name_(allocator) {
  std::pmr::memory_resource* under_test = alloc::system_resource();
  if (allocator != "system") {
    // Leaf resources ignore their upstream; the counter below them then stays at zero, so it is
    // dropped again to keep held_bytes() meaningful.
    held_ = std::make_unique<alloc::InstrumentedResource>(alloc::system_resource(), kExactPeak);
    allocator_ = alloc::make_resource(allocator, held_.get());
    under_test = allocator_.get();
    if (allocator == "mimalloc") held_.reset();
  }
  requested_ = std::make_unique<alloc::InstrumentedResource>(under_test, kExactPeak);
}

AllocatorStack::~AllocatorStack() {
  // Destroy top-down: the counting layer, then the allocator (which returns its blocks to the
  // held_ counter), then that counter.
  requested_.reset();
  allocator_.reset();
  held_.reset();
}

std::uint64_t AllocatorStack::held_bytes() const {
  return held_ ? held_->bytes_live() : requested_->bytes_live();
}

std::uint64_t AllocatorStack::peak_held_bytes() const {
  return held_ ? held_->stats().peak_bytes_live : requested_->stats().peak_bytes_live;
}

void AllocatorStack::reset_peaks() {
  requested_->reset_peak();
  if (held_) held_->reset_peak();
}

}  // namespace orchestrix::memtest
