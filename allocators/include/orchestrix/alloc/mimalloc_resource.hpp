// orchestrix/alloc/mimalloc_resource.hpp — mimalloc as a memory resource.
//
// Part of the CMake target orchestrix::mimalloc (library orchestrix_mimalloc), NOT of
// orchestrix::allocators. Read this before linking it:
//
//   Linking Debian's mimalloc replaces malloc, free and global operator new/delete for the WHOLE
//   process (it is built with override on, even with --as-needed). In such a binary the
//   "system" resource is mimalloc too, mallinfo2() returns 0 and heaptrack no longer sees C++
//   new. Link orchestrix::mimalloc only into binaries whose job is to run on mimalloc (the
//   mimalloc test executable, one process of an allocator swap experiment), never into memory
//   tests, heaptrack runs or binaries that measure another allocator. Run each allocator of a
//   comparison in its own process.
//
// Which mimalloc API: MimallocResource calls mi_malloc() (alignment <= 8),
// mi_malloc_aligned_at(size, alignment, 0) (larger alignments; NOT mi_malloc_aligned(), whose
// fast path in mimalloc 2.0.9 returns misaligned blocks for power-of-two sizes 256..1024 with
// alignment >= 256, microsoft/mimalloc#700) and mi_free(). These use
// mimalloc's per-thread default heaps and are thread safe in every way: any thread may allocate,
// and any thread may free what another allocated. It deliberately does NOT use mi_heap_new()
// heaps, because a mi_heap accepts allocations only from the thread that created it (any thread
// may free) — a rule a memory_resource shared by a multi-threaded store cannot promise to keep.
// The price: no "free the whole heap at once" (mi_heap_destroy); use ArenaResource over this
// resource for that.
//
// Registry: the names in <orchestrix/alloc/registry.hpp> come only from orchestrix::allocators.
// A binary that links orchestrix::mimalloc calls register_mimalloc_resource() once (e.g. at the
// top of main) to make make_resource("mimalloc") and resource_names() include it; a binary that
// does not link it cannot name it, so it can never get mimalloc by accident.
//
// Ownership: stateless; all instances are interchangeable (is_equal() is true between any two).
// Cost: one mi_malloc/mi_free pair plus a virtual call (see docs/allocators.md).
#pragma once

#include <memory>
#include <memory_resource>

namespace orchestrix::alloc {

class MimallocResource final : public std::pmr::memory_resource {
 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;
};

// A process-wide MimallocResource (never destroyed).
std::pmr::memory_resource* mimalloc_resource() noexcept;

// A new MimallocResource; `upstream` is ignored (mimalloc takes its memory from the OS).
std::unique_ptr<std::pmr::memory_resource> make_mimalloc_resource(
    std::pmr::memory_resource* upstream = nullptr);

// Adds "mimalloc" to the registry of <orchestrix/alloc/registry.hpp>. Idempotent. Call it
// before other threads use the registry.
void register_mimalloc_resource();

}  // namespace orchestrix::alloc
