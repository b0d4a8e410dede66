#include "orchestrix_test/alloc_guard.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <memory_resource>
#include <new>
#include <thread>
#include <vector>

#include "orchestrix/alloc/system_resource.hpp"

namespace {

using orchestrix::test::ScopedGlobalAllocCounter;

// Keeps the optimizer from eliding a new/delete pair (it may, since C++14).
template <typename T>
T* escape(T* p) {
  asm volatile("" : : "g"(p) : "memory");
  return p;
}

struct alignas(256) OverAligned {
  unsigned char bytes[256];
};

}  // namespace

TEST_CASE("The alloc guard reports itself active in a binary that links it") {
  CHECK(orchestrix::test::alloc_guard_active());
}

TEST_CASE("The alloc guard counts each form of global operator new once") {
  ScopedGlobalAllocCounter counter;
  delete escape(new int(7));
  delete[] escape(new int[10]);
  delete escape(new OverAligned);
  delete[] escape(new OverAligned[2]);
  delete escape(new (std::nothrow) int(1));
  ::operator delete (escape(::operator new (24, std::align_val_t{64}, std::nothrow)),
                     std::align_val_t{64});
  const auto calls = counter.new_calls();
  const auto deletes = counter.delete_calls();
  const auto bytes = counter.new_bytes();
  CHECK(calls == 6);
  CHECK(deletes == 6);
  CHECK(bytes >= sizeof(int) * 12 + sizeof(OverAligned) * 3 + 24);
}

TEST_CASE("The alloc guard sees a std::vector on the default allocator") {
  ScopedGlobalAllocCounter counter;
  {
    std::vector<int> v(100, 1);
    escape(v.data());
  }
  const auto calls = counter.new_calls();
  CHECK(calls == 1);
}

TEST_CASE("The alloc guard counts nothing for a pmr container on a non-default resource") {
  std::pmr::monotonic_buffer_resource arena(orchestrix::alloc::system_resource());
  ScopedGlobalAllocCounter counter;
  {
    std::pmr::vector<int> v(&arena);
    for (int i = 0; i < 1000; ++i) v.push_back(i);
    escape(v.data());
  }
  const auto calls = counter.new_calls();
  CHECK(calls == 0);
}

TEST_CASE("The alloc guard counts a pmr container that falls back to new_delete_resource") {
  ScopedGlobalAllocCounter counter;
  {
    std::pmr::vector<int> v;  // default resource: new_delete_resource -> operator new
    v.resize(10);
    escape(v.data());
  }
  const auto calls = counter.new_calls();
  CHECK(calls >= 1);
}

TEST_CASE("The alloc guard keeps other threads out of the per-thread count") {
  ScopedGlobalAllocCounter counter;
  std::uint64_t other_thread_calls = 0;
  std::thread worker([&] {
    ScopedGlobalAllocCounter inner;
    for (int i = 0; i < 5; ++i) delete escape(new long(i));
    other_thread_calls = inner.new_calls();
  });
  worker.join();
  // std::thread's own state is allocated on this thread: at most a couple of calls here.
  const auto here = counter.new_calls();
  const auto everywhere = counter.new_calls_all_threads();
  CHECK(other_thread_calls == 5);
  CHECK(here < 5);
  CHECK(everywhere >= here + 5);
}
