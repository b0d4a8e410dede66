// orchestrix/alloc/forwarding_resource.hpp — the common base of the decorating resources
// (InstrumentedResource, BudgetResource, FailingResource): a memory_resource in front of an
// upstream one.
//
// It holds the upstream pointer, checks it at construction, forwards deallocate unchanged and
// compares by identity. A decorator overrides do_allocate (and do_deallocate when it keeps
// accounts) and calls upstream()->allocate / ->deallocate itself: the base adds no virtual call
// and no indirection to a decorator's hot path (upstream() is an inline member read).
//
// Ownership: does not own the upstream, which must outlive this resource. Not copyable, not
// movable (containers keep pointers to a resource).
//
// Thread safety: the base itself is immutable after construction; what a decorator counts is
// its own business (each documents it). Memory: one pointer.
#pragma once

#include <cstddef>
#include <memory_resource>

namespace orchestrix::alloc {

class ForwardingResource : public std::pmr::memory_resource {
 public:
  ForwardingResource(const ForwardingResource&) = delete;
  ForwardingResource& operator=(const ForwardingResource&) = delete;
  ~ForwardingResource() override = default;

  // The resource every request is forwarded to. Never null.
  std::pmr::memory_resource* upstream() const noexcept { return upstream_; }

 protected:
  // Throws orchestrix::InvalidArgument "<decorator>: upstream must not be null" when upstream is
  // null.
  ForwardingResource(std::pmr::memory_resource* upstream, const char* decorator);

  // Hands the block back to the upstream.
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    upstream_->deallocate(p, bytes, alignment);
  }
  // Equal only to itself: a block must be freed through the decorator that counted it.
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

 private:
  std::pmr::memory_resource* upstream_;
};

}  // namespace orchestrix::alloc
