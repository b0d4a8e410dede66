// One measured workload run in this process: load N events into an EventStore whose memory comes
// from a chosen resource (wrapped in an InstrumentedResource), read them all back, and collect
// every figure the budget and swap commands print.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "orchestrix/alloc/memory_stats.hpp"
#include "orchestrix/store_memory_stats.hpp"

namespace orchestrix::tools {

struct RunConfig {
  std::uint64_t events = 1'000'000;
  std::string workload = "seed";
  // A name from orchestrix::alloc::resource_names() ("system", "arena", "pool", ...). Under
  // LD_PRELOAD, "system" is whichever malloc was preloaded.
  std::string resource = "system";
  std::size_t segment_bytes = 256 * 1024;
  // When set, the store's resource is capped (BudgetResource): the run stops at the first
  // BudgetExceeded and reports how far it got.
  std::optional<std::uint64_t> hard_cap_bytes;
  std::uint64_t seed = 42;
};

struct RunResult {
  RunConfig config;
  std::string malloc_name;  // what serves malloc in this process ("glibc", or the LD_PRELOAD)
  std::uint64_t events_appended = 0;
  std::uint64_t events_read = 0;
  bool budget_exceeded = false;
  std::string budget_error;  // what() of the BudgetExceeded, when it happened
  StoreMemoryStats store;
  alloc::MemoryStats instrumented;
  std::optional<std::uint64_t> hwm_delta_bytes;  // VmHWM growth over the run (peak RSS)
  bool hwm_was_reset = false;                    // false: VmHWM counts from process start
  double append_seconds = 0;
  double read_seconds = 0;
};

// Runs the workload. Throws orchestrix::InvalidArgument for an unknown workload or resource
// name (alloc::UnknownResource for the latter).
RunResult run_workload(const RunConfig& config);

nlohmann::json to_json(const RunResult& result);
RunResult result_from_json(const nlohmann::json& json);

}  // namespace orchestrix::tools
