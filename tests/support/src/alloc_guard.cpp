// Counting replacements of every replaceable global operator new / operator delete.
#include "orchestrix_test/alloc_guard.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace {

constinit thread_local std::uint64_t t_new_calls = 0;
constinit thread_local std::uint64_t t_new_bytes = 0;
constinit thread_local std::uint64_t t_delete_calls = 0;
constinit std::atomic<std::uint64_t> g_new_calls{0};

void count_new(std::size_t bytes) noexcept {
  ++t_new_calls;
  t_new_bytes += bytes;
  g_new_calls.fetch_add(1, std::memory_order_relaxed);
}

void* try_allocate(std::size_t bytes, std::size_t alignment) noexcept {
  if (bytes == 0) bytes = 1;
  if (alignment <= alignof(std::max_align_t)) return std::malloc(bytes);
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  void* p = nullptr;
  return posix_memalign(&p, alignment, bytes) == 0 ? p : nullptr;
}

// The standard's loop: retry through the new-handler, throw when there is none.
void* allocate_or_throw(std::size_t bytes, std::size_t alignment) {
  count_new(bytes);
  for (;;) {
    if (void* p = try_allocate(bytes, alignment)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void* allocate_nothrow(std::size_t bytes, std::size_t alignment) noexcept {
  try {
    return allocate_or_throw(bytes, alignment);
  } catch (...) {
    return nullptr;
  }
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  ++t_delete_calls;
  std::free(p);
}

constexpr std::size_t kDefault = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

}  // namespace

namespace orchestrix::test {
bool alloc_guard_active() noexcept { return true; }
std::uint64_t global_new_calls() noexcept { return t_new_calls; }
std::uint64_t global_new_bytes() noexcept { return t_new_bytes; }
std::uint64_t global_delete_calls() noexcept { return t_delete_calls; }
std::uint64_t global_new_calls_all_threads() noexcept {
  return g_new_calls.load(std::memory_order_relaxed);
}
}  // namespace orchestrix::test

// ---- replaceable allocation functions ([new.delete]) --------------------------------------------
void* operator new(std::size_t n) { return allocate_or_throw(n, kDefault); }
void* operator new[](std::size_t n) { return allocate_or_throw(n, kDefault); }
void* operator new(std::size_t n, std::align_val_t a) {
  return allocate_or_throw(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return allocate_or_throw(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return allocate_nothrow(n, kDefault);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return allocate_nothrow(n, kDefault);
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate_nothrow(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate_nothrow(n, static_cast<std::size_t>(a));
}

// ---- replaceable deallocation functions ---------------------------------------------------------
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
