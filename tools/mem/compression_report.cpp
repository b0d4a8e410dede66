// budget --input's comparison of compression on and off (declared in report.hpp).
#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report.hpp"
#include "units.hpp"

namespace orchestrix::tools {
namespace {

std::uint64_t raw_json(const RunResult& r) { return r.input ? r.input->raw_json_bytes : 0; }
std::uint64_t raw_data(const RunResult& r) { return r.input ? r.input->raw_data_bytes : 0; }

double ratio(std::uint64_t a, std::uint64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

std::string ratio_cell(std::uint64_t a, std::uint64_t b) {
  return b == 0 ? "-" : fmt::format("{:.3f}", ratio(a, b));
}

std::string mb_cell(std::optional<std::uint64_t> bytes) {
  return bytes ? fmt::format("{:.2f}", mb(*bytes)) : "-";
}

nlohmann::json run_json(const RunResult& r) {
  nlohmann::json j;
  j["compression"] = r.compression;
  j["events_appended"] = r.events_appended;
  j["raw_json_bytes"] = raw_json(r);
  j["raw_data_bytes"] = raw_data(r);
  j["held_bytes"] = r.instrumented.bytes_live;
  j["instrumented_peak_bytes"] = r.instrumented.peak_bytes_live;
  j["bytes_per_event"] = r.store.bytes_per_event();
  j["held_per_raw_json"] = ratio(r.instrumented.bytes_live, raw_json(r));
  j["held_per_raw_data"] = ratio(r.instrumented.bytes_live, raw_data(r));
  if (r.hwm_delta_bytes) j["peak_rss_growth_bytes"] = *r.hwm_delta_bytes;
  j["budget_exceeded"] = r.budget_exceeded;
  j["out_of_memory"] = r.out_of_memory;
  j["append_seconds"] = r.append_seconds;
  j["read_seconds"] = r.read_seconds;
  return j;
}

}  // namespace

void print_compression_table(std::ostream& os, const CompressionRuns& runs) {
  fmt::print(os, "\n{:<30} {:>16} {:>16}\n", "same events, own process each", "compression on",
             "compression off");
  const auto row = [&](std::string_view name, const std::string& on, const std::string& off) {
    fmt::print(os, "{:<30} {:>16} {:>16}\n", name, on, off);
  };
  const RunResult& on = runs.on;
  const RunResult& off = runs.off;
  row("events appended", std::to_string(on.events_appended), std::to_string(off.events_appended));
  row("raw JSON (MB)", mb_cell(raw_json(on)), mb_cell(raw_json(off)));
  row("raw data (MB)", mb_cell(raw_data(on)), mb_cell(raw_data(off)));
  row("held (MB)", mb_cell(on.instrumented.bytes_live), mb_cell(off.instrumented.bytes_live));
  row("held / raw JSON", ratio_cell(on.instrumented.bytes_live, raw_json(on)),
      ratio_cell(off.instrumented.bytes_live, raw_json(off)));
  row("held / raw data", ratio_cell(on.instrumented.bytes_live, raw_data(on)),
      ratio_cell(off.instrumented.bytes_live, raw_data(off)));
  row("store B/event", fmt::format("{:.1f}", on.store.bytes_per_event()),
      fmt::format("{:.1f}", off.store.bytes_per_event()));
  row("instrumented peak (MB)", mb_cell(on.instrumented.peak_bytes_live),
      mb_cell(off.instrumented.peak_bytes_live));
  row("peak RSS growth (MB)", mb_cell(on.hwm_delta_bytes), mb_cell(off.hwm_delta_bytes));
  row("append M events/s",
      fmt::format("{:.3f}", million_per_second(on.events_appended, on.append_seconds)),
      fmt::format("{:.3f}", million_per_second(off.events_appended, off.append_seconds)));
  fmt::print(os,
             "held: what the store holds at the end of the load (instrumented live bytes); raw: "
             "the\nappended events as CloudEvents JSON lines, and their data members. The verdict "
             "above is\nfor compression {} (--compression); timings are single runs.\n",
             runs.chosen_on ? "on" : "off");
}

void print_compression_csv(std::ostream& os, const CompressionRuns& runs) {
  for (const bool enabled : {true, false}) {
    const RunResult* r = enabled ? &runs.on : &runs.off;
    const std::string_view suffix = enabled ? "compression_on" : "compression_off";
    const std::uint64_t n = r->events_appended;
    const auto row = [&](std::string_view name, std::uint64_t bytes) {
      fmt::print(os, "{}_{},{},{:.4f}\n", name, suffix, bytes, per_event(bytes, n));
    };
    row("raw_json", raw_json(*r));
    row("raw_data", raw_data(*r));
    row("held", r->instrumented.bytes_live);
    row("instrumented_peak", r->instrumented.peak_bytes_live);
    if (r->hwm_delta_bytes) row("peak_rss_growth", *r->hwm_delta_bytes);
  }
}

nlohmann::json compression_runs_json(const CompressionRuns& runs) {
  return {{"on", run_json(runs.on)},
          {"off", run_json(runs.off)},
          {"chosen", runs.chosen_on ? "on" : "off"}};
}

}  // namespace orchestrix::tools
