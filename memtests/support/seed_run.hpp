// memtests/support/seed_run.hpp — one measured `seed` load: a store on an AllocatorStack, the
// three measurements the memory tests assert on, and a printable breakdown.
//
//   AllocatorStack stack("arena");
//   SeedRun run(stack, 1'000'000);      // resets VmHWM, takes the baseline, builds the
//                                       // generator and the store
//   run.load();                         // allocation-free outside the store
//   const ReadBack back = run.read_back();
//   const SeedReport report = run.report();
//
// What is measured (docs/memory.md, "Three measurements"):
//   requested  bytes live / peak through the InstrumentedResource above the allocator: what the
//              store asked for (primary; StoreMemoryStats::total_bytes() must equal it)
//   held       bytes the allocator took from its upstream (arena, pool; leaf: = requested)
//   rss        VmHWM after the phase - VmRSS before it (whole process: includes malloc's own
//              headers and rounding, page granularity, and anything else the process touched)
//
// Ownership: a SeedRun owns its EventStore; the AllocatorStack must outlive it.
// Thread safety: one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "allocator_stack.hpp"
#include "orchestrix/alloc/process_memory.hpp"
#include "orchestrix/event_store.hpp"
#include "seed_workload.hpp"

namespace orchestrix::memtest {

struct SeedReport {
  std::string_view allocator;
  std::uint64_t events = 0;  // events loaded
  StoreMemoryStats store;    // memory_stats() at report time
  std::uint64_t requested_live = 0;
  std::uint64_t requested_peak = 0;
  std::uint64_t held_live = 0;
  std::uint64_t held_peak = 0;
  std::uint64_t rss_delta = 0;
  bool hwm_reset = false;
  bool rss_first_in_process = false;
  const char* rss_method = "";

  double per_event(std::uint64_t bytes) const noexcept {
    return events == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(events);
  }
};

class SeedRun {
 public:
  // Starts the VmHWM meter, builds the generator for `events` seed events (REQUIRES: a
  // multiple of 100), then constructs the store with `options` (options.memory is replaced by
  // stack.resource()). Allocates (the generator's buffers); load() does not, outside the store.
  SeedRun(AllocatorStack& stack, std::uint64_t events, StoreOptions options = {},
          std::uint64_t seed = kDefaultSeed);

  // Appends the seed events (call once).
  void load();
  // Saves one snapshot per loaded stream at `version` (state "{\"sum\":4950}", the sum of a
  // seed stream's 100 event values), what the compaction checks mark streams with. Allocates
  // only inside the store.
  void snapshot_every_stream(std::uint64_t version);
  // Reads every loaded stream and the global log once.
  ReadBack read_back() const;

  SeedReport report() const;

  EventStore& store() noexcept { return store_; }
  const EventStore& store() const noexcept { return store_; }
  std::uint64_t aggregates() const noexcept { return aggregates_; }

 private:
  static StoreOptions with_memory(StoreOptions options, AllocatorStack& stack);

  AllocatorStack& stack_;
  alloc::PeakRssMeter meter_;  // first: the baseline excludes the generator and the store
  SeedWorkload workload_;
  EventStore store_;
  std::uint64_t aggregates_ = 0;
  std::uint64_t events_ = 0;  // appended so far
};

// A multi-line text: every StoreMemoryStats category in bytes and bytes per event, then the
// requested / held / rss figures. For doctest MESSAGE and the driver. Allocates.
std::string format_report(const SeedReport& report);

}  // namespace orchestrix::memtest
