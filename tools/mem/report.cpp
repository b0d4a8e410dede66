#include "report.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>

namespace orchestrix::tools {
namespace {

double mb(std::uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

double per_event(std::uint64_t bytes, std::uint64_t events) {
  return events == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(events);
}

double rate(std::uint64_t events, double seconds) {
  return seconds <= 0 ? 0.0 : static_cast<double>(events) / seconds / 1e6;
}

}  // namespace

Verdict judge(const RunResult& r, std::uint64_t limit_bytes, const std::string& verdict_on) {
  Verdict v;
  const std::uint64_t inst = r.instrumented.peak_bytes_live;
  const bool have_rss = r.hwm_delta_bytes.has_value();
  if (verdict_on == "instrumented" || (!have_rss && verdict_on == "both")) {
    v.measured_bytes = inst;
    v.measure = "instrumented peak";
    if (!have_rss && verdict_on == "both") v.note = "peak RSS unavailable on this system";
  } else if (verdict_on == "rss") {
    if (!have_rss) {
      v.measure = "peak RSS growth";
      v.note = "peak RSS unavailable on this system: cannot judge";
      return v;
    }
    v.measured_bytes = *r.hwm_delta_bytes;
    v.measure = "peak RSS growth";
  } else {
    v.measured_bytes = std::max(inst, *r.hwm_delta_bytes);
    v.measure = inst >= *r.hwm_delta_bytes ? "instrumented peak (>= peak RSS growth)"
                                           : "peak RSS growth (>= instrumented peak)";
  }
  if (have_rss && !r.hwm_was_reset) {
    v.note = "VmHWM could not be reset: RSS growth is measured from process start";
  }
  v.fits = !r.budget_exceeded && v.measured_bytes <= limit_bytes;
  return v;
}

void print_budget_report(std::ostream& os, const RunResult& r, std::uint64_t limit_bytes,
                         const Verdict& v) {
  const std::uint64_t n = r.store.live_events;
  fmt::print(os,
             "orchestrix-mem budget: {} {} events, resource '{}' (malloc: {}), limit {:.1f} MB\n\n",
             r.config.events, r.config.workload, r.config.resource, r.malloc_name, mb(limit_bytes));
  fmt::print(os, "{:<26} {:>14} {:>9} {:>7}\n", "store category", "bytes", "B/event", "share");
  const std::uint64_t total = r.store.total_bytes();
  r.store.for_each_field([&](std::string_view name, std::string_view, std::uint64_t bytes) {
    if (bytes == 0) return;
    fmt::print(os, "{:<26} {:>14} {:>9.2f} {:>6.1f}%\n", name, bytes, per_event(bytes, n),
               total == 0 ? 0.0 : 100.0 * static_cast<double>(bytes) / static_cast<double>(total));
  });
  fmt::print(os, "{:<26} {:>14} {:>9.2f}\n", "total (store)", total, per_event(total, n));
  fmt::print(
      os, "\n{:<26} {:>14} {:>9.2f}   {}\n", "instrumented live", r.instrumented.bytes_live,
      per_event(r.instrumented.bytes_live, n),
      r.instrumented.bytes_live == total ? "(= store total)" : "(differs from store total!)");
  fmt::print(os, "{:<26} {:>14} {:>9.2f}\n", "instrumented peak", r.instrumented.peak_bytes_live,
             per_event(r.instrumented.peak_bytes_live, n));
  fmt::print(os, "{:<26} {:>14}\n", "allocations (calls)", r.instrumented.allocations);
  if (r.hwm_delta_bytes) {
    fmt::print(os, "{:<26} {:>14} {:>9.2f}   (VmHWM; allocator overhead included)\n",
               "peak RSS growth", *r.hwm_delta_bytes, per_event(*r.hwm_delta_bytes, n));
  }
  fmt::print(os, "\nappend {:.2f} M events/s, read {:.2f} M events/s ({} events read back)\n",
             rate(r.events_appended, r.append_seconds), rate(r.events_read, r.read_seconds),
             r.events_read);
  if (r.budget_exceeded) {
    fmt::print(os, "\nhard cap hit after {} of {} events: {}\n", r.events_appended, r.config.events,
               r.budget_error);
  }
  if (!v.note.empty()) fmt::print(os, "\nnote: {}\n", v.note);
  if (r.budget_exceeded) {
    fmt::print(os, "\nverdict: DOES NOT FIT — the hard cap stopped the run after {} of {} events\n",
               r.events_appended, r.config.events);
    return;
  }
  fmt::print(os, "\nverdict: {} — {} = {:.2f} MB ({:.1f} B/event) {} limit {:.2f} MB\n",
             v.fits ? "FITS" : "DOES NOT FIT", v.measure, mb(v.measured_bytes),
             per_event(v.measured_bytes, n), v.fits ? "<=" : ">", mb(limit_bytes));
}

void print_swap_table(std::ostream& os, const RunConfig& cfg,
                      const std::vector<SwapOutcome>& outcomes) {
  fmt::print(os, "orchestrix-mem swap: {} {} events, each allocator in its own process\n\n",
             cfg.events, cfg.workload);
  fmt::print(os, "{:<10} {:>12} {:>12} {:>12} {:>10} {:>9} {:>11} {:>10}\n", "allocator",
             "store B/ev", "inst. peak", "peak RSS", "RSS B/ev", "RSS/glibc", "append M/s",
             "read M/s");
  std::optional<double> glibc_rss;
  for (const auto& o : outcomes) {
    if (o.ok && o.candidate.name == "glibc" && o.result.hwm_delta_bytes) {
      glibc_rss = static_cast<double>(*o.result.hwm_delta_bytes);
    }
  }
  for (const auto& o : outcomes) {
    if (!o.ok) {
      fmt::print(os, "{:<10} {}\n", o.candidate.name, o.error);
      continue;
    }
    const RunResult& r = o.result;
    const std::uint64_t n = r.store.live_events;
    const double rss = r.hwm_delta_bytes ? static_cast<double>(*r.hwm_delta_bytes) : 0.0;
    fmt::print(os, "{:<10} {:>12.2f} {:>10.2f}MB {:>10.2f}MB {:>10.2f} {:>9} {:>11.2f} {:>10.2f}\n",
               o.candidate.name, r.store.bytes_per_event(), mb(r.instrumented.peak_bytes_live),
               rss / 1e6, n == 0 ? 0.0 : rss / static_cast<double>(n),
               glibc_rss && *glibc_rss > 0 ? fmt::format("{:.2f}x", rss / *glibc_rss) : "-",
               rate(r.events_appended, r.append_seconds), rate(r.events_read, r.read_seconds));
  }
  fmt::print(os,
             "\nstore B/ev: bytes the store holds per event (same request stream everywhere);\n"
             "peak RSS: VmHWM growth of the child over the run, i.e. what the allocator really\n"
             "took from the OS for it. Timings are single runs: compare ratios, not absolutes.\n");
}

nlohmann::json swap_to_json(const std::vector<SwapOutcome>& outcomes) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& o : outcomes) {
    nlohmann::json j;
    j["allocator"] = o.candidate.name;
    j["ok"] = o.ok;
    if (o.ok) {
      j["result"] = to_json(o.result);
    } else {
      j["error"] = o.error;
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

}  // namespace orchestrix::tools
