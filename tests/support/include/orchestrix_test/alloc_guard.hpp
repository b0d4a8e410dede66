// orchestrix_test/alloc_guard.hpp — count the global operator new calls of a test binary.
//
// Linking the CMake target `orchestrix_alloc_guard` into a test executable replaces every
// replaceable global operator new and operator delete (plain, array, sized, aligned and nothrow
// forms) with versions that count the call and forward to malloc / posix_memalign / free.
// Code that allocates through a std::pmr::memory_resource other than new_delete_resource()
// makes no such call, so a zero count over a scope proves that nothing bypassed the resource:
//
//   orchestrix::test::ScopedGlobalAllocCounter counter;
//   store.append(...);                              // store built on a pmr resource
//   const auto calls = counter.new_calls();          // read BEFORE any CHECK (doctest allocates)
//   CHECK(calls == 0);
//
// What is counted: calls of global operator new (all forms). Not counted: direct malloc/calloc/
// realloc calls (the C library's, or a resource like SystemResource that uses malloc), and
// class-specific operator new.
//
// Thread safety: each thread has its own counters (thread_local, constant-initialised; the
// counting path allocates nothing and takes no lock); one relaxed global atomic per call adds the
// all-threads figure. Works under ASan and UBSan (the replacement forwards to malloc/free, which
// ASan intercepts, so its heap checks stay on; only new/delete mismatch reports are lost).
//
// A binary that links the guard must not also link another operator new replacement (such as
// the mimalloc library, whose Debian build overrides new/delete).
#pragma once

#include <cstdint>

namespace orchestrix::test {

// True when the replacement operator new is linked into this binary (always, if this header's
// functions link at all); a test can REQUIRE it to fail loudly on a broken build setup.
bool alloc_guard_active() noexcept;

// Global operator new calls (and bytes asked for) on the calling thread since it started.
std::uint64_t global_new_calls() noexcept;
std::uint64_t global_new_bytes() noexcept;
// Global operator delete calls on the calling thread since it started.
std::uint64_t global_delete_calls() noexcept;
// Global operator new calls on all threads since the process started.
std::uint64_t global_new_calls_all_threads() noexcept;

// Counts the global operator new calls made while it lives. REQUIRES: new_calls(), new_bytes()
// and delete_calls() are called on the thread that constructed the counter.
class ScopedGlobalAllocCounter {
 public:
  ScopedGlobalAllocCounter() noexcept
      : new_calls_(global_new_calls()),
        new_bytes_(global_new_bytes()),
        delete_calls_(global_delete_calls()),
        all_threads_(global_new_calls_all_threads()) {}

  ScopedGlobalAllocCounter(const ScopedGlobalAllocCounter&) = delete;
  ScopedGlobalAllocCounter& operator=(const ScopedGlobalAllocCounter&) = delete;

  // operator new calls on this thread since construction.
  std::uint64_t new_calls() const noexcept { return global_new_calls() - new_calls_; }
  // Bytes those calls asked for.
  std::uint64_t new_bytes() const noexcept { return global_new_bytes() - new_bytes_; }
  // operator delete calls on this thread since construction.
  std::uint64_t delete_calls() const noexcept { return global_delete_calls() - delete_calls_; }
  // operator new calls on every thread since construction (includes test-framework threads).
  std::uint64_t new_calls_all_threads() const noexcept {
    return global_new_calls_all_threads() - all_threads_;
  }

 private:
  std::uint64_t new_calls_;
  std::uint64_t new_bytes_;
  std::uint64_t delete_calls_;
  std::uint64_t all_threads_;
};

}  // namespace orchestrix::test
