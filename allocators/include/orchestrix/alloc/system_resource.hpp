// orchestrix/alloc/system_resource.hpp — the C library's malloc/free as a memory resource.
//
// SystemResource allocates with std::malloc, or posix_memalign for alignments above
// alignof(std::max_align_t) (16 on x86-64), and frees with std::free. It is the default
// upstream of the arena and pool resources and the "system" entry of the registry. Unlike
// std::pmr::new_delete_resource() it never goes through (possibly replaced) global
// operator new, so a test that counts operator new calls does not see it.
//
// In a process that links mimalloc (orchestrix::mimalloc) or runs under LD_PRELOAD of another
// allocator, "malloc" IS that allocator: this resource measures whatever malloc the process has.
//
// Ownership: stateless; all instances are interchangeable (is_equal() is true between any two),
// so memory allocated by one may be freed by another.
//
// Thread safety: as thread safe as malloc (fully). Cost: one malloc/free pair plus a virtual
// call; see docs/allocators.md for the measured figure. Zero-byte requests allocate one byte, so
// every successful allocate returns a distinct, non-null pointer. Failure throws std::bad_alloc.
#pragma once

#include <cstddef>
#include <memory_resource>

namespace orchestrix::alloc {

class SystemResource final : public std::pmr::memory_resource {
 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;
};

// A process-wide SystemResource (never destroyed, so usable during static destruction).
std::pmr::memory_resource* system_resource() noexcept;

}  // namespace orchestrix::alloc
