#include "common/thread_record.hpp"

#include <exception>
#include <limits>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace orchestrix::bus::detail {

constinit std::atomic<std::uint64_t> g_global_epoch{1};
// Fast path: a trivially initialised pointer (no TLS init guard); the holder below fills it, and
// a late RecordLease fills it for the duration of its call.
constinit thread_local ThreadRecord* t_current_record = nullptr;

namespace {

constinit std::atomic<ThreadRecord*> g_records{nullptr};
// Set when the thread's RecordHolder has been destroyed (thread exit). Trivially destructible,
// so it stays valid for thread_local destructors that run after the holder's.
constinit thread_local bool t_holder_gone = false;

ThreadRecord* acquire_record() {
  for (ThreadRecord* r = g_records.load(std::memory_order_acquire); r != nullptr; r = r->next) {
    bool expected = false;
    if (!r->in_use.load(std::memory_order_relaxed) &&
        r->in_use.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
      return r;
    }
  }
  auto* r = new ThreadRecord;  // never freed: records are reused by later threads
  r->in_use.store(true, std::memory_order_relaxed);
  ThreadRecord* head = g_records.load(std::memory_order_relaxed);
  do {
    r->next = head;
  } while (!g_records.compare_exchange_weak(head, r, std::memory_order_release,
                                            std::memory_order_relaxed));
  return r;
}

// Hands a record back to the pool. Its owner is outside any publish: depth is already 0 and
// every calling[] slot and the epoch are back to 0/nullptr.
void release_record(ThreadRecord* r) noexcept {
  r->depth = 0;
  r->in_use.store(false, std::memory_order_release);
}

struct RecordHolder {
  ThreadRecord* record = acquire_record();
  RecordHolder() { t_current_record = record; }
  ~RecordHolder() {
    t_current_record = nullptr;
    t_holder_gone = true;  // later calls on this thread must not touch this (dead) holder
    release_record(record);
  }
};

ThreadRecord* holder_record() {
  // Constructed on the thread's first publish. (A thread whose first publish happens inside a
  // thread_local destructor constructs it during thread exit; glibc then runs its destructor too.)
  thread_local RecordHolder holder;
  return holder.record;
}

}  // namespace

void RecordLease::acquire_slow() {
  if (!t_holder_gone) {
    record_ = holder_record();
    return;
  }
  // Late: the holder is destroyed and its record may belong to another live thread by now. Take
  // a free record for this call only; nested publishes on this thread find it in
  // t_current_record.
  record_ = acquire_record();
  t_current_record = record_;
  late_ = true;
}

void RecordLease::release_late_record(ThreadRecord* record) noexcept {
  t_current_record = nullptr;
  release_record(record);
}

ThreadRecord* first_thread_record() noexcept { return g_records.load(std::memory_order_acquire); }

bool asymmetric_fences() noexcept {
#if defined(__linux__) && defined(__NR_membarrier) && !defined(__SANITIZE_THREAD__)
  static const bool enabled = [] {
    const long supported = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (supported < 0 || (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
    return syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  }();
  return enabled;
#else
  return false;
#endif
}

void writer_fence() noexcept {
#if defined(__SANITIZE_THREAD__)
  return;  // kSeqCstProtocol: the seq_cst operations themselves order the protocol
#else
#if defined(__linux__) && defined(__NR_membarrier)
  if (asymmetric_fences()) {
    // Registered in asymmetric_fences(), so this does not fail. If it ever did, a plain fence
    // here would not pair with the publish side's compiler-only fence: terminate rather than
    // silently break the unsubscribe and reclamation guarantees.
    if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) std::terminate();
    return;
  }
#endif
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

std::uint64_t min_active_epoch() noexcept {
  writer_fence();
  std::uint64_t min = std::numeric_limits<std::uint64_t>::max();
  for (ThreadRecord* r = first_thread_record(); r != nullptr; r = r->next) {
    const std::uint64_t e = r->epoch.load(kLoadOrder);
    if (e != 0 && e < min) min = e;
  }
  return min;
}

}  // namespace orchestrix::bus::detail
