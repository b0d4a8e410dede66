// Internal: a memory_resource adapter that forwards to the store's resource and counts the
// bytes live through it. The store owns one per StoreMemoryStats category and gives each
// container/allocation site the adapter of its category, so the categories add up exactly to
// what the store holds in its resource. Allocations are rare (segments, growing arrays, hash
// nodes): the per-event paths never allocate, so one relaxed atomic per allocation is cheap.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>

namespace orchestrix::detail {

class CategoryResource final : public std::pmr::memory_resource {
 public:
  explicit CategoryResource(std::pmr::memory_resource* upstream) noexcept : upstream_(upstream) {}

  std::pmr::memory_resource* upstream() const noexcept { return upstream_; }
  std::uint64_t bytes_live() const noexcept { return live_.load(std::memory_order_relaxed); }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    void* p = upstream_->allocate(bytes, alignment);
    live_.fetch_add(bytes, std::memory_order_relaxed);
    return p;
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    upstream_->deallocate(p, bytes, alignment);
    live_.fetch_sub(bytes, std::memory_order_relaxed);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::pmr::memory_resource* upstream_;
  std::atomic<std::uint64_t> live_{0};
};

}  // namespace orchestrix::detail
