#include "run.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <memory>
#include <new>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "batch_source.hpp"
#include "event_sample.hpp"
#include "input_source.hpp"
#include "orchestrix/alloc/arena_resource.hpp"
#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/pool_resource.hpp"
#include "orchestrix/alloc/process_memory.hpp"
#include "orchestrix/alloc/registry.hpp"
#include "orchestrix/errors.hpp"
#include "progress.hpp"

namespace orchestrix::tools {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kSamples = 256;
// The compaction after the load rewrites every segment with at least 1% dead record bytes: what
// a service gets when it compacts everything it can.
constexpr double kFinalCompactDeadRatio = 0.01;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// VmRSS now - `baseline` (0 when below or unreadable).
std::uint64_t rss_above(std::uint64_t baseline) {
  const std::optional<alloc::ProcessMemory> now = alloc::read_process_memory();
  return now && now->rss_bytes > baseline ? now->rss_bytes - baseline : 0;
}

// Everything a run needs besides the store: the resource stack and the baseline.
struct Harness {
  std::pmr::memory_resource* base = nullptr;
  alloc::InstrumentedResource* counted = nullptr;
  std::uint64_t rss_baseline = 0;
  Progress* progress = nullptr;
};

// Saves snapshots per the lifecycle options: counts each stream's events past its latest
// snapshot (a counter per stream, on the default heap).
class Snapshotter {
 public:
  explicit Snapshotter(std::uint64_t every) : every_(every) {}

  // After `appended` was written to `stream`; returns true when a snapshot was saved.
  bool after_append(EventStore& store, std::string_view stream, const AppendResult& appended) {
    if (every_ == 0) return false;
    auto it = since_.find(stream);
    if (it == since_.end()) it = since_.emplace(std::string(stream), 0).first;
    it->second += appended.count;
    if (it->second < every_) return false;
    it->second = 0;
    // The state is what run_churn() stores: {"sum":<last_version * 7>}.
    constexpr std::string_view kPrefix = "{\"sum\":";
    std::copy(kPrefix.begin(), kPrefix.end(), state_.begin());
    char* end = std::to_chars(state_.data() + kPrefix.size(), state_.data() + state_.size() - 1,
                              appended.last_version * 7)
                    .ptr;
    *end++ = '}';
    store.save_snapshot(stream, {appended.last_version + 1, "ChurnAggregate",
                                 std::as_bytes(std::span<const char>(state_.data(), end))});
    return true;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::uint64_t every_;
  std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>> since_;
  std::array<char, 40> state_{};
};

void take_sample(const EventStore& store, const Harness& h, std::uint64_t events, RunResult& r) {
  const StoreMemoryStats s = store.memory_stats();
  r.samples.push_back(
      {.events = events,
       .held_bytes = h.counted->bytes_live(),
       .waste_bytes = s.dead_record_bytes + s.segment_slack_bytes + s.retired_segment_bytes,
       .rss_bytes = rss_above(h.rss_baseline),
       .live_events = s.live_events});
}

// Appends every batch, snapshotting, compacting and sampling as configured. Stops early (and
// records why) at a BudgetExceeded or another std::bad_alloc.
void load(EventStore& store, BatchSource& source, const Harness& h, RunResult& r) {
  const RunConfig& c = r.config;
  Snapshotter snapshots(c.snapshot_every);
  const std::uint64_t sample_every = std::max<std::uint64_t>(1, c.events / kSamples);
  std::uint64_t next_sample = sample_every;
  std::uint64_t next_compact = c.compact_every;
  WorkloadBatch batch;
  while (source.next(batch)) {
    const AppendResult appended = store.append(batch.stream, batch.events);
    source.on_appended();
    r.events_appended += batch.events.size();
    if (snapshots.after_append(store, batch.stream, appended)) ++r.snapshots;
    if (c.compact_every > 0 && r.events_appended >= next_compact) {
      next_compact += c.compact_every;
      (void)store.compact();
      ++r.explicit_compactions;
    }
    if (r.events_appended >= next_sample) {
      next_sample += sample_every;
      take_sample(store, h, r.events_appended, r);
    }
    if (h.progress != nullptr) h.progress->update(r.events_appended);
  }
}

void steady_state(RunResult& r) {
  const std::size_t from = r.samples.size() / 2;
  if (from >= r.samples.size()) return;
  double sum = 0;
  r.min_utilization = 1;
  for (std::size_t i = from; i < r.samples.size(); ++i) {
    const Sample& s = r.samples[i];
    const double u =
        s.held_bytes == 0 || s.waste_bytes >= s.held_bytes
            ? 0.0
            : static_cast<double>(s.held_bytes - s.waste_bytes) / static_cast<double>(s.held_bytes);
    sum += u;
    r.min_utilization = std::min(r.min_utilization, u);
    r.max_utilization = std::max(r.max_utilization, u);
  }
  r.mean_utilization = sum / static_cast<double>(r.samples.size() - from);
}

// What the arena or pool holds from its upstream (the "held from upstream" of
// docs/allocators.md); nullopt for the other resources.
std::optional<std::uint64_t> reserved_of(std::pmr::memory_resource* base) {
  if (const auto* arena = dynamic_cast<alloc::ArenaResource*>(base)) {
    return arena->stats().reserved_bytes;
  }
  if (const auto* pool = dynamic_cast<alloc::PoolResource*>(base)) {
    // Slabs, plus the requests above max_slot_bytes it passed to its upstream (segments).
    const alloc::PoolStats stats = pool->stats();
    return stats.reserved_bytes + stats.large_bytes;
  }
  return std::nullopt;
}

// Asks the allocator to give free memory back; returns what it called ("" for nothing).
std::string collect(std::pmr::memory_resource* base, std::string_view malloc_name) {
  if (auto* pool = dynamic_cast<alloc::PoolResource*>(base)) {
    (void)pool->release_empty_slabs();
    return "PoolResource::release_empty_slabs()";
  }
  if (malloc_name == "mimalloc") {
    // The preloaded mimalloc's own entry point; this binary does not link it.
    using CollectFn = void (*)(bool);
    if (void* f = ::dlsym(RTLD_DEFAULT, "mi_collect")) {
      reinterpret_cast<CollectFn>(f)(true);
      return "mi_collect(true)";
    }
  }
  return {};
}

void compact_at_end(EventStore& store, const Harness& h, RunResult& r) {
  FinalCompaction f;
  f.held_before = h.counted->bytes_live();
  f.rss_before = rss_above(h.rss_baseline);
  try {
    f.result = store.compact({.min_dead_ratio = kFinalCompactDeadRatio});
  } catch (const std::bad_alloc& e) {
    f.error = e.what();
  }
  f.held_after = h.counted->bytes_live();
  f.rss_after = rss_above(h.rss_baseline);
  f.collect = collect(h.base, r.malloc_name);
  if (!f.collect.empty()) f.rss_after_collect = rss_above(h.rss_baseline);
  r.compaction = std::move(f);
}

void measure(BatchSource& source, const Harness& h, RunResult& r) {
  const RunConfig& c = r.config;
  // A hard cap may refuse the store's own bookkeeping already: construction is inside the try.
  std::optional<EventStore> store;
  const auto t0 = Clock::now();
  try {
    StoreOptions options{.memory = h.counted,
                         .segment_bytes = c.segment_bytes,
                         .retention = c.retention,
                         .auto_compact_dead_ratio = c.auto_compact_ratio};
    options.compression.enabled = c.compression.value_or(options.compression.enabled);
    r.compression = options.compression.enabled;
    store.emplace(options);
    load(*store, source, h, r);
  } catch (const alloc::BudgetExceeded& e) {
    r.budget_exceeded = true;
    r.budget_error = e.what();
  } catch (const std::bad_alloc& e) {
    r.out_of_memory = true;
    r.out_of_memory_error = e.what();
  }
  r.append_seconds = seconds_since(t0);
  if (h.progress != nullptr) h.progress->finish();
  r.instrumented = h.counted->stats();
  if (!store) return;
  r.store = store->memory_stats();
  r.held_from_os_bytes = rss_above(h.rss_baseline);
  r.resource_reserved_bytes = reserved_of(h.base);
  steady_state(r);
  if (r.out_of_memory) return;  // reading back could need memory the machine does not have

  const auto t1 = Clock::now();
  // Read back in pages, one range each: a range keeps every block it decompressed until it is
  // destroyed (docs/compression.md, "Read cache and pinning"), so one range over a compressed log
  // would hold all of it decompressed at once.
  constexpr std::uint64_t kReadPage = 4096;
  std::uint64_t payload_bytes = 0;
  for (Position from{};;) {
    std::uint64_t in_page = 0;
    for (const EventView& e : store->read_all(from)) {
      ++r.events_read;
      payload_bytes += e.data().size();
      from = Position{e.position().value + 1};
      if (++in_page == kReadPage) break;
    }
    if (in_page < kReadPage) break;
  }
  r.read_seconds = seconds_since(t1);
  if (r.events_read != r.store.live_events || (r.events_read > 0 && payload_bytes == 0)) {
    throw std::runtime_error("read back " + std::to_string(r.events_read) + " of " +
                             std::to_string(r.store.live_events) + " live events");
  }
  if (r.snapshots > 0) compact_at_end(*store, h, r);
  r.instrumented.peak_bytes_live = h.counted->stats().peak_bytes_live;
}

}  // namespace

std::optional<double> held_per_raw(const RunResult& r) {
  if (!r.input || r.input->raw_json_bytes == 0) return std::nullopt;
  return static_cast<double>(r.instrumented.bytes_live) /
         static_cast<double>(r.input->raw_json_bytes);
}

bool is_malloc_name(const std::string& name) {
  return name == "mimalloc" || name == "jemalloc" || name == "tcmalloc";
}

std::string retention_text(const RetentionPolicy& p) {
  switch (p.kind) {
    case RetentionPolicy::Kind::kKeepAll:
      return "keep-all";
    case RetentionPolicy::Kind::kDropBeforeSnapshot:
      return "drop";
    case RetentionPolicy::Kind::kKeepBeforeSnapshot:
      return "keep:" + std::to_string(p.keep_events);
  }
  return "keep-all";
}

std::optional<RetentionPolicy> parse_retention(std::string_view text) {
  if (text == "keep-all") return RetentionPolicy::keep_all();
  if (text == "drop") return RetentionPolicy::drop_before_snapshot();
  constexpr std::string_view kKeep = "keep:";
  if (text.substr(0, kKeep.size()) != kKeep) return std::nullopt;
  std::uint64_t n = 0;
  const char* first = text.data() + kKeep.size();
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, n);
  if (ec != std::errc{} || end != last || first == last) return std::nullopt;
  return RetentionPolicy::keep_before_snapshot(n);
}

RunResult run_workload(const RunConfig& config, Progress* progress) {
  RunResult r;
  r.config = config;
  // Read from /proc/self/maps, not from the environment: a preload that failed to load is not
  // reported as working.
  r.malloc_name = alloc::mapped_malloc();
  if (is_malloc_name(config.resource) && r.malloc_name != config.resource) {
    throw InvalidArgument(config.resource + " does not serve malloc in this process (it is " +
                          r.malloc_name + ")");
  }
  std::unique_ptr<std::pmr::memory_resource> base =
      alloc::make_resource(is_malloc_name(config.resource) ? "system" : config.resource);
  std::optional<alloc::BudgetResource> cap;
  std::pmr::memory_resource* below = base.get();
  if (config.hard_cap_bytes) below = &cap.emplace(base.get(), *config.hard_cap_bytes);
  alloc::InstrumentedResource counted(below);

  // The generator's buffers and the samples are allocated before the baseline is taken: they
  // belong to the harness, not to the store.
  // So is the user's sample (--input), loaded in full before anything is appended.
  std::optional<EventSample> sample;
  std::unique_ptr<BatchSource> source;
  InputSource* input = nullptr;
  if (!config.input.empty()) {
    const std::optional<StreamBy> by = parse_stream_by(config.stream_by);
    if (!by) throw InvalidArgument("unknown --stream-by '" + config.stream_by + "'");
    sample.emplace(EventSample::load(config.input, *by));
    auto cycled = std::make_unique<InputSource>(*sample, config.events, config.seed,
                                                config.input_batch_events);
    input = cycled.get();
    source = std::move(cycled);
  } else {
    source = make_source({.workload = config.workload,
                          .events = config.events,
                          .seed = config.seed,
                          .churn_streams = config.churn_streams,
                          .churn_batch_events = config.churn_batch_events});
  }
  r.samples.reserve(kSamples + 2);
  r.hwm_was_reset = alloc::reset_peak_rss();
  const std::optional<alloc::ProcessMemory> before = alloc::read_process_memory();
  Harness h{.base = base.get(),
            .counted = &counted,
            .rss_baseline = before ? before->rss_bytes : 0,
            .progress = progress};
  measure(*source, h, r);
  if (input != nullptr) {
    r.input = InputFigures{.path = sample->path(),
                           .stream_by = std::string(stream_by_name(sample->stream_by())),
                           .sample_events = sample->events().size(),
                           .sample_file_bytes = sample->file_bytes(),
                           .sample_data_bytes = sample->data_bytes(),
                           .sample_streams = sample->streams(),
                           .sample_held_bytes = sample->held_bytes(),
                           .raw_json_bytes = input->appended().json_bytes,
                           .raw_data_bytes = input->appended().data_bytes};
  }
  const std::optional<alloc::ProcessMemory> after = alloc::read_process_memory();
  if (before && after) {
    const std::uint64_t base_rss = r.hwm_was_reset ? before->hwm_bytes : 0;
    r.hwm_delta_bytes = after->hwm_bytes > base_rss ? after->hwm_bytes - base_rss : 0;
  }
  if (!before) r.held_from_os_bytes.reset();
  return r;
}

}  // namespace orchestrix::tools
