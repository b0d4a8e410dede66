#include "run.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>

#include "orchestrix/alloc/budget_resource.hpp"
#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/process_memory.hpp"
#include "orchestrix/alloc/registry.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "orchestrix/workload.hpp"

namespace orchestrix::tools {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Loads every batch of `workload` into a fresh store on `counted`, reads everything back and fills
// the measured part of `r`.
template <class Workload>
void measure(Workload& workload, alloc::InstrumentedResource& counted, RunResult& r) {
  const std::optional<alloc::ProcessMemory> before = [&] {
    r.hwm_was_reset = alloc::reset_peak_rss();
    return alloc::read_process_memory();
  }();
  // A hard cap may refuse the store's own bookkeeping already: construction is inside the try.
  std::optional<EventStore> store;
  WorkloadBatch batch;
  const auto t0 = Clock::now();
  try {
    store.emplace(StoreOptions{.memory = &counted, .segment_bytes = r.config.segment_bytes});
    while (workload.next(batch)) {
      store->append(batch.stream, batch.events);
      r.events_appended += batch.events.size();
    }
  } catch (const alloc::BudgetExceeded& e) {
    r.budget_exceeded = true;
    r.budget_error = e.what();
  }
  r.append_seconds = seconds_since(t0);
  if (!store) {
    r.instrumented = counted.stats();
    return;
  }

  const auto t1 = Clock::now();
  std::uint64_t payload_bytes = 0;
  for (const EventView& e : store->read_all()) {
    ++r.events_read;
    payload_bytes += e.data().size();
  }
  r.read_seconds = seconds_since(t1);
  if (r.events_read != r.events_appended || (r.events_read > 0 && payload_bytes == 0)) {
    throw std::runtime_error("read back " + std::to_string(r.events_read) + " of " +
                             std::to_string(r.events_appended) + " appended events");
  }
  r.store = store->memory_stats();
  r.instrumented = counted.stats();
  const std::optional<alloc::ProcessMemory> after = alloc::read_process_memory();
  if (before && after) {
    const std::uint64_t base_rss = r.hwm_was_reset ? before->hwm_bytes : 0;
    r.hwm_delta_bytes = after->hwm_bytes > base_rss ? after->hwm_bytes - base_rss : 0;
  }
}

}  // namespace

RunResult run_workload(const RunConfig& config) {
  if (config.workload != "seed" && config.workload != "mixed") {
    throw InvalidArgument("unknown workload '" + config.workload + "' (known: seed, mixed)");
  }
  RunResult r;
  r.config = config;
  // Read from /proc/self/maps, not from the environment: a preload that failed to load is not
  // reported as working.
  r.malloc_name = alloc::mapped_malloc();

  std::unique_ptr<std::pmr::memory_resource> base = alloc::make_resource(config.resource);
  std::optional<alloc::BudgetResource> cap;
  std::pmr::memory_resource* below = base.get();
  if (config.hard_cap_bytes) below = &cap.emplace(base.get(), *config.hard_cap_bytes);
  alloc::InstrumentedResource counted(below);

  // The generators' buffers are allocated before the baseline is taken: they belong to the
  // harness, not to the store.
  if (config.workload == "seed") {
    SeedWorkload workload({.events = config.events, .seed = config.seed});
    measure(workload, counted, r);
  } else {
    MixedWorkload workload({.events = config.events, .seed = config.seed});
    measure(workload, counted, r);
  }
  return r;
}

nlohmann::json to_json(const RunResult& r) {
  nlohmann::json j;
  j["events"] = r.config.events;
  j["workload"] = r.config.workload;
  j["resource"] = r.config.resource;
  j["segment_bytes"] = r.config.segment_bytes;
  j["seed"] = r.config.seed;
  if (r.config.hard_cap_bytes) j["hard_cap_bytes"] = *r.config.hard_cap_bytes;
  j["malloc"] = r.malloc_name;
  j["events_appended"] = r.events_appended;
  j["events_read"] = r.events_read;
  j["budget_exceeded"] = r.budget_exceeded;
  if (r.budget_exceeded) j["budget_error"] = r.budget_error;
  nlohmann::json store;
  r.store.for_each_field([&](std::string_view name, std::string_view, std::uint64_t v) {
    store[std::string(name)] = v;
  });
  store["live_events"] = r.store.live_events;
  store["appended_events"] = r.store.appended_events;
  store["segments"] = r.store.segments;
  store["streams"] = r.store.streams;
  store["total_bytes"] = r.store.total_bytes();
  store["bytes_per_event"] = r.store.bytes_per_event();
  j["store"] = std::move(store);
  j["instrumented"] = nlohmann::json::parse(alloc::to_json(r.instrumented));
  if (r.hwm_delta_bytes) j["peak_rss_growth_bytes"] = *r.hwm_delta_bytes;
  j["peak_rss_reset"] = r.hwm_was_reset;
  j["append_seconds"] = r.append_seconds;
  j["read_seconds"] = r.read_seconds;
  return j;
}

RunResult result_from_json(const nlohmann::json& j) {
  RunResult r;
  r.config.events = j.at("events").get<std::uint64_t>();
  r.config.workload = j.at("workload").get<std::string>();
  r.config.resource = j.at("resource").get<std::string>();
  r.config.segment_bytes = j.at("segment_bytes").get<std::size_t>();
  r.config.seed = j.at("seed").get<std::uint64_t>();
  r.malloc_name = j.at("malloc").get<std::string>();
  r.events_appended = j.at("events_appended").get<std::uint64_t>();
  r.events_read = j.at("events_read").get<std::uint64_t>();
  r.budget_exceeded = j.at("budget_exceeded").get<bool>();
  const nlohmann::json& s = j.at("store");
#define ORCHESTRIX_TOOLS_READ(name, description) r.store.name = s.at(#name).get<std::uint64_t>();
  ORCHESTRIX_STORE_MEMORY_FIELDS(ORCHESTRIX_TOOLS_READ)
#undef ORCHESTRIX_TOOLS_READ
  r.store.live_events = s.at("live_events").get<std::uint64_t>();
  r.store.appended_events = s.at("appended_events").get<std::uint64_t>();
  r.store.segments = s.at("segments").get<std::uint64_t>();
  r.store.streams = s.at("streams").get<std::uint64_t>();
  const nlohmann::json& in = j.at("instrumented");
#define ORCHESTRIX_TOOLS_READ(name, description) \
  r.instrumented.name = in.at(#name).get<std::uint64_t>();
  ORCHESTRIX_ALLOC_STATS_FIELDS(ORCHESTRIX_TOOLS_READ)
#undef ORCHESTRIX_TOOLS_READ
  if (j.contains("peak_rss_growth_bytes")) {
    r.hwm_delta_bytes = j.at("peak_rss_growth_bytes").get<std::uint64_t>();
  }
  r.hwm_was_reset = j.at("peak_rss_reset").get<bool>();
  r.append_seconds = j.at("append_seconds").get<double>();
  r.read_seconds = j.at("read_seconds").get<double>();
  return r;
}

}  // namespace orchestrix::tools
