// Replaced global operator new (every form) counting into a thread-local counter; the matching
// operator delete forms free with std::free / the aligned free. See alloc_count.hpp.
#include "alloc_count.hpp"

#include <cstdlib>
#include <new>

namespace orchestrix::bench {
namespace {

thread_local std::uint64_t t_allocations = 0;

void* allocate_or_null(std::size_t size) noexcept {
  ++t_allocations;
  return std::malloc(size == 0 ? 1 : size);
}

void* allocate_aligned_or_null(std::size_t size, std::align_val_t alignment) noexcept {
  ++t_allocations;
  const auto align = static_cast<std::size_t>(alignment);
  const std::size_t rounded = (size + align - 1) / align * align;
  return std::aligned_alloc(align, rounded == 0 ? align : rounded);
}

void* allocate(std::size_t size) {
  void* p = allocate_or_null(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* allocate_aligned(std::size_t size, std::align_val_t alignment) {
  void* p = allocate_aligned_or_null(size, alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

std::uint64_t thread_allocations() noexcept { return t_allocations; }

void count_allocation() noexcept { ++t_allocations; }

void AllocCount::report(benchmark::State& state) const {
  const auto iterations = static_cast<double>(state.iterations());
  const auto allocations = static_cast<double>(thread_allocations() - start_);
  state.counters["allocs_per_op"] = benchmark::Counter(
      iterations > 0 ? allocations / iterations : 0.0, benchmark::Counter::kAvgThreads);
}

void* CountedResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  count_allocation();
  return upstream_->allocate(bytes, alignment);
}

void CountedResource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  upstream_->deallocate(p, bytes, alignment);
}

bool CountedResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return this == &other;
}

}  // namespace orchestrix::bench

void* operator new(std::size_t size) { return orchestrix::bench::allocate(size); }
void* operator new[](std::size_t size) { return orchestrix::bench::allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return orchestrix::bench::allocate_or_null(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return orchestrix::bench::allocate_or_null(size);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return orchestrix::bench::allocate_aligned(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return orchestrix::bench::allocate_aligned(size, alignment);
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return orchestrix::bench::allocate_aligned_or_null(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return orchestrix::bench::allocate_aligned_or_null(size, alignment);
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
