// Per-thread records for the lock-free publish path (internal).
//
// Every thread that publishes owns one ThreadRecord, taken from a process-wide, append-only list
// on first use and handed back (for reuse by a later thread) when the thread exits; publishes
// after that, from late thread_local destructors, lease a record per call (see RecordLease). Only
// the owner writes a record; writers (subscribe/unsubscribe, on any thread) read all of them:
//
// - `epoch`: 0 while the thread is outside any publish; otherwise the value of global_epoch()
//   that the outermost publish announced before it loaded a routing table. A table retired with
//   tag t (the global epoch value when it was replaced) can be freed once every record's epoch is
//   0 or > t: any reader that announced a larger epoch loaded the table after it was replaced.
// - `calling[d]`: the handler node being called by the publish at nesting depth d (nullptr when
//   none). A publisher stores it (seq_cst) and THEN checks the node's `alive` flag; unsubscribe
//   clears `alive` (seq_cst) and THEN scans calling[] for the node. Store-then-load on both sides
//   (Dekker): either the publisher sees the handler dead and skips it, or unsubscribe sees the
//   call and waits for the slot to change.
//
// Each record is on its own cache lines, so the publish path writes only lines that no other
// thread writes; other threads only read them during the rare subscribe/unsubscribe.
//
// Asymmetric fences: both store-then-load sequences need a full fence between the store and the
// load on BOTH sides. Publishes are frequent and writers rare, so the publish side uses a
// compiler-only fence (reader_fence, in bus_core.cpp) and the writer side a process-wide one
// (writer_fence: Linux membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which runs a full barrier
// on every CPU currently running a thread of this process). This is liburcu's "membarrier" flavour
// and folly's asymmetric_thread_fence_light/heavy. Where membarrier is unavailable, and in
// ThreadSanitizer builds (TSan does not model membarrier), both sides use
// std::atomic_thread_fence(seq_cst) instead.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace orchestrix::bus::detail {

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer rejects std::atomic_thread_fence and does not model membarrier: there the
// announcement stores and the loads they pair with are all seq_cst (Dekker without fences) and
// the two fence functions below do nothing.
inline constexpr bool kSeqCstProtocol = true;
#else
inline constexpr bool kSeqCstProtocol = false;
#endif
// Orders for the protocol's stores (announcements, alive = false, table swap) and loads.
inline constexpr std::memory_order kStoreOrder =
    kSeqCstProtocol ? std::memory_order_seq_cst : std::memory_order_release;
inline constexpr std::memory_order kLoadOrder =
    kSeqCstProtocol ? std::memory_order_seq_cst : std::memory_order_acquire;
inline constexpr std::memory_order kSwapOrder =
    kSeqCstProtocol ? std::memory_order_seq_cst : std::memory_order_acq_rel;

// Deepest publish nesting on one thread (a handler publishing, whose handler publishes, ...).
inline constexpr std::size_t kMaxPublishDepth = 32;

struct alignas(64) ThreadRecord {
  std::atomic<std::uint64_t> epoch{0};
  std::atomic<bool> in_use{false};
  ThreadRecord* next = nullptr;  // set once before the record is published, then immutable
  std::uint32_t depth = 0;       // owner only: current publish nesting depth
  std::atomic<const void*> calling[kMaxPublishDepth] = {};
};

// The record the calling thread owns right now (its own since its first publish, or a late
// lease's while that call runs; see RecordLease), or nullptr. Written only by the owning thread.
// Declared here (constinit: no TLS wrapper call) so that the publish fast path reads it inline.
extern constinit thread_local ThreadRecord* t_current_record;

// The record the calling thread owns right now, or nullptr if it owns none. Never acquires one:
// unsubscribe needs only this, since a thread that owns no record has no call in progress.
inline ThreadRecord* current_thread_record() noexcept { return t_current_record; }

// A record for the duration of one publish (RAII). On a live thread this is the thread's own
// record: acquired on the thread's first publish, released at thread exit by a thread_local
// holder, so the fast path (inline) is one TLS load and one test. The holder is destroyed before
// every thread_local that was constructed before that first publish; when one of those publishes
// or unsubscribes from its destructor (a thread_local Subscription, say), the holder is gone and
// its record may already belong to another live thread. A lease taken then ("late", flagged by a
// trivially destructible thread_local that stays readable) claims a free record from the pool
// for just this outermost call and gives it back when the lease ends; nested publishes inside it
// reuse it. So a record is never owned by two live threads. Must be destroyed on the thread that
// constructed it, in reverse order of construction (scopes do that).
class RecordLease {
 public:
  // May throw std::bad_alloc (first publish on a thread, or a late one).
  RecordLease() : record_(t_current_record) {
    if (record_ == nullptr) [[unlikely]] {
      acquire_slow();
    }
  }
  ~RecordLease() {
    if (late_) [[unlikely]] {
      release_late_record(record_);
    }
  }
  RecordLease(const RecordLease&) = delete;
  RecordLease& operator=(const RecordLease&) = delete;

  ThreadRecord& record() const noexcept { return *record_; }

 private:
  // The thread owns no record yet (first publish) or any more (late): takes one.
  void acquire_slow();
  static void release_late_record(ThreadRecord* record) noexcept;

  ThreadRecord* record_;
  bool late_ = false;
};

// Head of the list of every record ever created (for writers' scans). Never freed.
ThreadRecord* first_thread_record() noexcept;
// The process-wide epoch counter; starts at 1, incremented once per retired routing table.
extern constinit std::atomic<std::uint64_t> g_global_epoch;
inline std::atomic<std::uint64_t>& global_epoch() noexcept { return g_global_epoch; }

// True when the asymmetric (membarrier) pair is in use. Decided once per process, on first use.
bool asymmetric_fences() noexcept;

// The writer side's fence between its store (table swap, alive = false) and its scan.
void writer_fence() noexcept;

// Smallest non-zero announced epoch over all records, or UINT64_MAX if no thread is publishing.
// Runs writer_fence() first.
std::uint64_t min_active_epoch() noexcept;

}  // namespace orchestrix::bus::detail
