// One measured workload run in this process: load N events into an EventStore whose memory comes
// from a chosen resource (wrapped in an InstrumentedResource), optionally with the lifecycle of a
// long-running service (a snapshot every N events per stream, a retention policy, automatic or
// explicit compaction), read the live events back, compact once more at the end when snapshots
// were taken, and collect every figure the budget and swap commands print.
//
// Memory: everything the store holds comes from the chosen resource. The run's own bookkeeping
// comes from the default heap: the generator's buffers and the samples before the RSS baseline;
// with snapshots on, one counter per stream (a hash node and the stream name, ~80 bytes per
// stream) during the run, which the RSS figures include and the instrumented ones do not. With
// --input, the user's sample (event_sample.hpp) is loaded before the baseline too; its size is
// reported (InputFigures::sample_held_bytes) and is not part of the store's bytes.
// Errors: see run_workload(). Thread safety: one run at a time per process.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrix/alloc/memory_stats.hpp"
#include "orchestrix/event_store.hpp"
#include "orchestrix/store_memory_stats.hpp"

namespace orchestrix::tools {

class Progress;

// The malloc replacements budget and swap can run under (LD_PRELOAD of this same executable).
bool is_malloc_name(const std::string& name);

struct RunConfig {
  std::uint64_t events = 1'000'000;
  std::string workload = "seed";  // seed, mixed or churn
  // A name from orchestrix::alloc::resource_names() ("system", "arena", "pool"), or a malloc
  // replacement ("mimalloc", "jemalloc", "tcmalloc"): the process runs under it (LD_PRELOAD) and
  // the store uses the system resource, i.e. that malloc.
  std::string resource = "system";
  std::size_t segment_bytes = 256 * 1024;
  // When set, the store's resource is capped (BudgetResource): the run stops at the first
  // BudgetExceeded and reports how far it got.
  std::optional<std::uint64_t> hard_cap_bytes;
  std::uint64_t seed = 42;
  // churn only: the number of streams the batches are spread over, and the batch size.
  std::uint64_t churn_streams = 10'000;
  std::uint32_t churn_batch_events = 10;
  // Lifecycle. snapshot_every: once a stream has this many events past its latest snapshot, a
  // snapshot is saved right after the batch (0: never). retention: the store's policy.
  // auto_compact_ratio: StoreOptions::auto_compact_dead_ratio (0: off). compact_every: an
  // explicit compact() every this many appended events (0: never). When snapshots were taken,
  // one more compact() runs after the load and its effect is reported.
  std::uint64_t snapshot_every = 0;
  RetentionPolicy retention = RetentionPolicy::keep_all();
  double auto_compact_ratio = 0;
  std::uint64_t compact_every = 0;
  // StoreOptions::compression.enabled; nullopt: the store's default.
  std::optional<bool> compression;
  // The user's events (event_sample.hpp): a file of CloudEvents JSON lines cycled to `events`
  // (input_source.hpp) instead of `workload`; empty for a reference workload.
  std::string input;
  std::string stream_by = "subject";  // subject, source or type
  std::uint32_t input_batch_events = 10;
};

// What a run on the user's events (RunConfig::input) read and appended.
struct InputFigures {
  std::string path;
  std::string stream_by;
  std::uint64_t sample_events = 0;
  std::uint64_t sample_file_bytes = 0;
  std::uint64_t sample_data_bytes = 0;
  std::uint64_t sample_streams = 0;
  // What the sample costs the tool (its copies and index, on the default heap): not part of the
  // store's bytes, allocated before the RSS baseline.
  std::uint64_t sample_held_bytes = 0;
  std::uint64_t raw_json_bytes = 0;  // the appended events as CloudEvents JSON lines
  std::uint64_t raw_data_bytes = 0;  // their data member values
};

// "keep-all", "drop" or "keep:N" as the --retention option takes it, and back (nullopt for
// anything else).
std::string retention_text(const RetentionPolicy& policy);
std::optional<RetentionPolicy> parse_retention(std::string_view text);

// One point of the run's timeline, taken every ~1/256 of the events.
struct Sample {
  std::uint64_t events = 0;       // appended so far
  std::uint64_t held_bytes = 0;   // instrumented live bytes (everything the store holds)
  std::uint64_t waste_bytes = 0;  // dead records + segment slack + retired segments
  std::uint64_t rss_bytes = 0;    // VmRSS now - VmRSS before the run (0 if below)
  std::uint64_t live_events = 0;  // readable events
};

// The compact() after the load (every segment with at least 1% dead record bytes) and what it
// gave back.
struct FinalCompaction {
  CompactionResult result;
  std::uint64_t held_before = 0;  // instrumented live bytes before / after
  std::uint64_t held_after = 0;
  std::uint64_t rss_before = 0;  // VmRSS - baseline before / after
  std::uint64_t rss_after = 0;
  // After asking the allocator to return free memory (mimalloc: mi_collect(true); pool:
  // release_empty_slabs(); nothing for the others), when such a call exists.
  std::optional<std::uint64_t> rss_after_collect;
  std::string collect;  // what was called, empty for nothing
  std::string error;    // what() when compact() threw (e.g. BudgetExceeded)
};

struct RunResult {
  RunConfig config;
  std::string malloc_name;  // what serves malloc in this process ("glibc", or the LD_PRELOAD)
  std::uint64_t events_appended = 0;
  std::uint64_t events_read = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t explicit_compactions = 0;
  bool budget_exceeded = false;
  std::string budget_error;  // what() of the BudgetExceeded, when it happened
  // The machine (not a hard cap) refused memory: the run stopped there; the figures describe
  // the store at that point and nothing was read back.
  bool out_of_memory = false;
  std::string out_of_memory_error;
  StoreMemoryStats store;           // after the load (before the final compaction)
  alloc::MemoryStats instrumented;  // after the load; peak_bytes_live covers the whole run
  std::optional<std::uint64_t> hwm_delta_bytes;  // VmHWM growth over the run (peak RSS)
  bool hwm_was_reset = false;                    // false: VmHWM counts from process start
  // VmRSS after the load - VmRSS before it: what the process holds from the OS for the store.
  std::optional<std::uint64_t> held_from_os_bytes;
  // Bytes the arena or pool holds from its upstream after the load: arena blocks; pool slabs
  // plus the requests above its largest slot, which go to the upstream (nullopt for the others).
  std::optional<std::uint64_t> resource_reserved_bytes;
  std::vector<Sample> samples;
  // Utilization = (held - waste) / held over the second half of the samples (the steady state).
  double mean_utilization = 0;
  double min_utilization = 0;
  double max_utilization = 0;
  std::optional<FinalCompaction> compaction;
  bool compression = false;  // StoreOptions::compression.enabled of the run
  std::optional<InputFigures> input;
  double append_seconds = 0;  // the load: appends, snapshots, compactions, samples
  double read_seconds = 0;
};

// --input runs: the bytes the store holds at the end of the load (instrumented live) per byte of
// the appended events as CloudEvents JSON; nullopt without input or when nothing was appended.
std::optional<double> held_per_raw(const RunResult& r);

// Runs the workload, drawing `progress` (may be nullptr) as events are appended. Throws
// orchestrix::InvalidArgument for an unknown workload or resource name (alloc::UnknownResource
// for the latter) and for store options out of range. A BudgetExceeded or std::bad_alloc during
// the load does not throw: the result says where the run stopped. With RunConfig::input: the
// errors of EventSample::load() (an InvalidArgument; a cloudevents::FormatError for a bad line),
// thrown before anything is appended.
RunResult run_workload(const RunConfig& config, Progress* progress = nullptr);

}  // namespace orchestrix::tools
