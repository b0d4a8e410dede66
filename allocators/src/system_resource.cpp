#include "orchestrix/alloc/system_resource.hpp"

#include <cstdlib>
#include <new>

namespace orchestrix::alloc {

void* SystemResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (bytes == 0) bytes = 1;
  void* p = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    p = std::malloc(bytes);
  } else if (posix_memalign(&p, alignment, bytes) != 0) {
    p = nullptr;
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void SystemResource::do_deallocate(void* p, std::size_t /*bytes*/, std::size_t /*alignment*/) {
  std::free(p);
}

bool SystemResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return dynamic_cast<const SystemResource*>(&other) != nullptr;
}

std::pmr::memory_resource* system_resource() noexcept {
  // Constructed on first use and intentionally never destroyed.
  alignas(SystemResource) static unsigned char storage[sizeof(SystemResource)];
  static SystemResource* const instance = ::new (storage) SystemResource();
  return instance;
}

}  // namespace orchestrix::alloc
