#include "run_json.hpp"

#include <string>

#include "orchestrix/alloc/memory_stats.hpp"

namespace orchestrix::tools {
namespace {

nlohmann::json compaction_json(const FinalCompaction& f) {
  nlohmann::json j;
  j["segments_retired"] = f.result.segments_retired;
  j["bytes_retired"] = f.result.bytes_retired;
  j["segments_written"] = f.result.segments_written;
  j["bytes_written"] = f.result.bytes_written;
  j["live_bytes_moved"] = f.result.live_bytes_moved;
  j["out_of_memory"] = f.result.out_of_memory;
  j["held_before"] = f.held_before;
  j["held_after"] = f.held_after;
  j["freed_bytes"] = f.held_before > f.held_after ? f.held_before - f.held_after : 0;
  j["rss_before"] = f.rss_before;
  j["rss_after"] = f.rss_after;
  if (f.rss_after_collect) j["rss_after_collect"] = *f.rss_after_collect;
  j["collect"] = f.collect;
  if (!f.error.empty()) j["error"] = f.error;
  return j;
}

FinalCompaction compaction_from_json(const nlohmann::json& j) {
  FinalCompaction f;
  f.result.segments_retired = j.at("segments_retired").get<std::uint64_t>();
  f.result.bytes_retired = j.at("bytes_retired").get<std::uint64_t>();
  f.result.segments_written = j.at("segments_written").get<std::uint64_t>();
  f.result.bytes_written = j.at("bytes_written").get<std::uint64_t>();
  f.result.live_bytes_moved = j.at("live_bytes_moved").get<std::uint64_t>();
  f.result.out_of_memory = j.at("out_of_memory").get<bool>();
  f.held_before = j.at("held_before").get<std::uint64_t>();
  f.held_after = j.at("held_after").get<std::uint64_t>();
  f.rss_before = j.at("rss_before").get<std::uint64_t>();
  f.rss_after = j.at("rss_after").get<std::uint64_t>();
  if (j.contains("rss_after_collect")) {
    f.rss_after_collect = j.at("rss_after_collect").get<std::uint64_t>();
  }
  f.collect = j.at("collect").get<std::string>();
  if (j.contains("error")) f.error = j.at("error").get<std::string>();
  return f;
}

nlohmann::json input_json(const InputFigures& f) {
  return {{"path", f.path},
          {"stream_by", f.stream_by},
          {"sample_events", f.sample_events},
          {"sample_file_bytes", f.sample_file_bytes},
          {"sample_data_bytes", f.sample_data_bytes},
          {"sample_streams", f.sample_streams},
          {"sample_held_bytes", f.sample_held_bytes},
          {"raw_json_bytes", f.raw_json_bytes},
          {"raw_data_bytes", f.raw_data_bytes}};
}

InputFigures input_from_json(const nlohmann::json& j) {
  return {.path = j.at("path").get<std::string>(),
          .stream_by = j.at("stream_by").get<std::string>(),
          .sample_events = j.at("sample_events").get<std::uint64_t>(),
          .sample_file_bytes = j.at("sample_file_bytes").get<std::uint64_t>(),
          .sample_data_bytes = j.at("sample_data_bytes").get<std::uint64_t>(),
          .sample_streams = j.at("sample_streams").get<std::uint64_t>(),
          .sample_held_bytes = j.at("sample_held_bytes").get<std::uint64_t>(),
          .raw_json_bytes = j.at("raw_json_bytes").get<std::uint64_t>(),
          .raw_data_bytes = j.at("raw_data_bytes").get<std::uint64_t>()};
}

}  // namespace

nlohmann::json to_json(const RunResult& r) {
  nlohmann::json j;
  j["events"] = r.config.events;
  j["workload"] = r.config.workload;
  j["resource"] = r.config.resource;
  j["segment_bytes"] = r.config.segment_bytes;
  j["seed"] = r.config.seed;
  if (r.config.workload == "churn") {
    j["churn_streams"] = r.config.churn_streams;
    j["churn_batch_events"] = r.config.churn_batch_events;
  }
  j["snapshot_every"] = r.config.snapshot_every;
  j["retention"] = retention_text(r.config.retention);
  j["auto_compact_ratio"] = r.config.auto_compact_ratio;
  j["compact_every"] = r.config.compact_every;
  if (r.config.hard_cap_bytes) j["hard_cap_bytes"] = *r.config.hard_cap_bytes;
  j["compression"] = r.compression;
  if (r.input) {
    j["input"] = input_json(*r.input);
    j["input_batch_events"] = r.config.input_batch_events;
    const std::optional<double> ratio = held_per_raw(r);
    j["held_per_raw_json"] = ratio ? nlohmann::json(*ratio) : nlohmann::json(nullptr);
  }
  j["malloc"] = r.malloc_name;
  j["events_appended"] = r.events_appended;
  j["events_read"] = r.events_read;
  j["snapshots"] = r.snapshots;
  j["explicit_compactions"] = r.explicit_compactions;
  j["budget_exceeded"] = r.budget_exceeded;
  if (r.budget_exceeded) j["budget_error"] = r.budget_error;
  j["out_of_memory"] = r.out_of_memory;
  if (r.out_of_memory) j["out_of_memory_error"] = r.out_of_memory_error;
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
  if (r.held_from_os_bytes) j["held_from_os_bytes"] = *r.held_from_os_bytes;
  if (r.resource_reserved_bytes) j["resource_reserved_bytes"] = *r.resource_reserved_bytes;
  j["utilization"] = {
      {"mean", r.mean_utilization}, {"min", r.min_utilization}, {"max", r.max_utilization}};
  nlohmann::json samples = nlohmann::json::array();
  for (const Sample& s : r.samples) {
    samples.push_back({s.events, s.held_bytes, s.waste_bytes, s.rss_bytes, s.live_events});
  }
  j["samples_columns"] = {"events", "held_bytes", "waste_bytes", "rss_bytes", "live_events"};
  j["samples"] = std::move(samples);
  if (r.compaction) j["final_compaction"] = compaction_json(*r.compaction);
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
  r.config.snapshot_every = j.at("snapshot_every").get<std::uint64_t>();
  r.config.retention =
      parse_retention(j.at("retention").get<std::string>()).value_or(RetentionPolicy::keep_all());
  r.config.auto_compact_ratio = j.at("auto_compact_ratio").get<double>();
  r.config.compact_every = j.at("compact_every").get<std::uint64_t>();
  if (j.contains("compression")) r.compression = j.at("compression").get<bool>();
  if (j.contains("input")) {
    r.input = input_from_json(j.at("input"));
    r.config.input = r.input->path;
    r.config.stream_by = r.input->stream_by;
    r.config.input_batch_events = j.at("input_batch_events").get<std::uint32_t>();
  }
  r.malloc_name = j.at("malloc").get<std::string>();
  r.events_appended = j.at("events_appended").get<std::uint64_t>();
  r.events_read = j.at("events_read").get<std::uint64_t>();
  r.snapshots = j.at("snapshots").get<std::uint64_t>();
  r.explicit_compactions = j.at("explicit_compactions").get<std::uint64_t>();
  r.budget_exceeded = j.at("budget_exceeded").get<bool>();
  r.out_of_memory = j.at("out_of_memory").get<bool>();
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
  if (j.contains("held_from_os_bytes")) {
    r.held_from_os_bytes = j.at("held_from_os_bytes").get<std::uint64_t>();
  }
  if (j.contains("resource_reserved_bytes")) {
    r.resource_reserved_bytes = j.at("resource_reserved_bytes").get<std::uint64_t>();
  }
  const nlohmann::json& u = j.at("utilization");
  r.mean_utilization = u.at("mean").get<double>();
  r.min_utilization = u.at("min").get<double>();
  r.max_utilization = u.at("max").get<double>();
  for (const nlohmann::json& row : j.at("samples")) {
    r.samples.push_back({row.at(0).get<std::uint64_t>(), row.at(1).get<std::uint64_t>(),
                         row.at(2).get<std::uint64_t>(), row.at(3).get<std::uint64_t>(),
                         row.at(4).get<std::uint64_t>()});
  }
  if (j.contains("final_compaction")) {
    r.compaction = compaction_from_json(j.at("final_compaction"));
  }
  r.append_seconds = j.at("append_seconds").get<double>();
  r.read_seconds = j.at("read_seconds").get<double>();
  return r;
}

}  // namespace orchestrix::tools
