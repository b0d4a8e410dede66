#include "orchestrix/alloc/mimalloc_resource.hpp"

#include <mimalloc.h>

#include <new>

#include "orchestrix/alloc/registry.hpp"

namespace orchestrix::alloc {

void* MimallocResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (bytes == 0) bytes = 1;
  // Not mi_malloc_aligned: in mimalloc 2.0.9 (Debian 12) its fast path returns misaligned
  // blocks for power-of-two sizes 256..1024 with alignment >= 256 (microsoft/mimalloc#700; the
  // conformance suite catches it). mi_malloc_aligned_at(.., 0) skips that path. mi_malloc is
  // only 8-byte aligned for requests of 8 bytes or less, so it serves alignments <= 8 only.
  void* p =
      alignment <= alignof(void*) ? mi_malloc(bytes) : mi_malloc_aligned_at(bytes, alignment, 0);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void MimallocResource::do_deallocate(void* p, std::size_t /*bytes*/, std::size_t /*alignment*/) {
  mi_free(p);
}

bool MimallocResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return dynamic_cast<const MimallocResource*>(&other) != nullptr;
}

std::pmr::memory_resource* mimalloc_resource() noexcept {
  alignas(MimallocResource) static unsigned char storage[sizeof(MimallocResource)];
  static MimallocResource* const instance = ::new (storage) MimallocResource();
  return instance;
}

std::unique_ptr<std::pmr::memory_resource> make_mimalloc_resource(
    std::pmr::memory_resource* /*upstream*/) {
  return std::make_unique<MimallocResource>();
}

void register_mimalloc_resource() { register_resource("mimalloc", &make_mimalloc_resource); }

}  // namespace orchestrix::alloc
