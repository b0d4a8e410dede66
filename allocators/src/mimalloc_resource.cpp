#include "orchestrix/alloc/mimalloc_resource.hpp"

#include <mimalloc.h>

#include <new>

#include "orchestrix/alloc/registry.hpp"

namespace orchestrix::alloc {

void* MimallocResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  void* p = mi_malloc_aligned(bytes == 0 ? 1 : bytes, alignment);
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
