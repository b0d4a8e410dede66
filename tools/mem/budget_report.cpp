// The budget command's report, verdict and CSV (declared in report.hpp).
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>

#include "report.hpp"
#include "units.hpp"

namespace orchestrix::tools {
namespace {

void print_lifecycle(std::ostream& os, const RunResult& r) {
  const RunConfig& c = r.config;
  if (c.snapshot_every == 0 && c.compact_every == 0 && c.auto_compact_ratio == 0) return;
  fmt::print(os, "lifecycle: snapshot every {} events per stream, retention {}, ", c.snapshot_every,
             retention_text(c.retention));
  if (c.auto_compact_ratio > 0) {
    fmt::print(os, "auto-compact at {:.2f} dead", c.auto_compact_ratio);
  } else {
    fmt::print(os, "no auto-compaction");
  }
  if (c.compact_every > 0) fmt::print(os, ", compact() every {} events", c.compact_every);
  fmt::print(os, "; {} snapshots, {} explicit compactions\n", r.snapshots, r.explicit_compactions);
}

void print_steady_state(std::ostream& os, const RunResult& r) {
  if (r.samples.empty() || r.config.snapshot_every == 0) return;
  const Sample& last = r.samples.back();
  fmt::print(os,
             "\nsteady state (last {} of {} samples): utilization mean {:.3f}, min {:.3f}, max "
             "{:.3f}\n",
             r.samples.size() - r.samples.size() / 2, r.samples.size(), r.mean_utilization,
             r.min_utilization, r.max_utilization);
  fmt::print(os,
             "  at the end of the load: held {:.2f} MB, of it live {:.2f} MB and waste {:.2f} MB "
             "(dead + slack + retired), {} live events\n",
             mb(last.held_bytes), mb(last.held_bytes - std::min(last.held_bytes, last.waste_bytes)),
             mb(last.waste_bytes), last.live_events);
}

void print_compaction(std::ostream& os, const FinalCompaction& f) {
  fmt::print(os,
             "\ncompact() after the load: {} segments retired ({:.2f} MB), {} written ({:.2f} MB), "
             "{:.2f} MB of live records moved\n",
             f.result.segments_retired, mb(f.result.bytes_retired), f.result.segments_written,
             mb(f.result.bytes_written), mb(f.result.live_bytes_moved));
  fmt::print(os, "  held {:.2f} -> {:.2f} MB (freed {:.2f} MB); RSS growth {:.2f} -> {:.2f} MB",
             mb(f.held_before), mb(f.held_after),
             mb(f.held_before > f.held_after ? f.held_before - f.held_after : 0), mb(f.rss_before),
             mb(f.rss_after));
  if (f.rss_after_collect) {
    fmt::print(os, ", after {} {:.2f} MB", f.collect, mb(*f.rss_after_collect));
  }
  fmt::print(os, "\n");
  if (!f.error.empty()) fmt::print(os, "  compact() failed: {}\n", f.error);
}

void print_input(std::ostream& os, const RunResult& r) {
  if (!r.input) return;
  const InputFigures& in = *r.input;
  const std::uint64_t n = r.events_appended;
  fmt::print(os,
             "\nyour events: {} in {} ({:.2f} MB, data {:.2f} MB; {} streams by {}), cycled to "
             "{} appended events\n",
             in.sample_events, in.path, mb(in.sample_file_bytes), mb(in.sample_data_bytes),
             in.sample_streams, in.stream_by, n);
  fmt::print(os, "{:<26} {:>14} {:>9.2f}   (the appended events as CloudEvents JSON lines)\n",
             "raw JSON", in.raw_json_bytes, per_event(in.raw_json_bytes, n));
  fmt::print(os, "{:<26} {:>14} {:>9.2f}   (their data members)\n", "raw data", in.raw_data_bytes,
             per_event(in.raw_data_bytes, n));
  if (const std::optional<double> ratio = held_per_raw(r)) {
    fmt::print(os, "{:<26} {:>14.3f}   (instrumented live / raw JSON; compression {})\n",
               "held / raw JSON", *ratio, r.compression ? "on" : "off");
  }
  fmt::print(os,
             "the sample costs the tool {:.2f} MB (its copies, on the default heap, taken before "
             "the RSS baseline; not in the store's bytes)\n",
             mb(in.sample_held_bytes));
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
  v.fits = !r.budget_exceeded && !r.out_of_memory && v.measured_bytes <= limit_bytes;
  return v;
}

std::optional<double> fragmentation(const RunResult& r) {
  if (!r.held_from_os_bytes || *r.held_from_os_bytes == 0) return std::nullopt;
  const std::uint64_t held = *r.held_from_os_bytes;
  const std::uint64_t live = r.instrumented.bytes_live;
  return live >= held ? 0.0 : static_cast<double>(held - live) / static_cast<double>(held);
}

void print_budget_report(std::ostream& os, const RunResult& r, std::uint64_t limit_bytes,
                         const Verdict& v) {
  const std::uint64_t n = r.store.live_events;
  const std::string what = r.input ? "events of " + r.input->path : r.config.workload + " events";
  fmt::print(os,
             "orchestrix-mem budget: {} {}, resource '{}' (malloc: {}), compression {}, limit "
             "{:.1f} MB\n",
             r.config.events, what, r.config.resource, r.malloc_name, r.compression ? "on" : "off",
             mb(limit_bytes));
  print_lifecycle(os, r);
  fmt::print(os, "\n{:<26} {:>14} {:>9} {:>7}\n", "store category", "bytes", "B/event", "share");
  const std::uint64_t total = r.store.total_bytes();
  r.store.for_each_field([&](std::string_view name, std::string_view, std::uint64_t bytes) {
    if (bytes == 0) return;
    fmt::print(os, "{:<26} {:>14} {:>9.2f} {:>6.1f}%\n", name, bytes, per_event(bytes, n),
               total == 0 ? 0.0 : 100.0 * static_cast<double>(bytes) / static_cast<double>(total));
  });
  fmt::print(os, "{:<26} {:>14} {:>9.2f}   ({} live events)\n", "total (store)", total,
             per_event(total, n), n);
  fmt::print(
      os, "\n{:<26} {:>14} {:>9.2f}   {}\n", "instrumented live", r.instrumented.bytes_live,
      per_event(r.instrumented.bytes_live, n),
      r.instrumented.bytes_live == total ? "(= store total)" : "(differs from store total!)");
  fmt::print(os, "{:<26} {:>14} {:>9.2f}\n", "instrumented peak", r.instrumented.peak_bytes_live,
             per_event(r.instrumented.peak_bytes_live, n));
  fmt::print(os, "{:<26} {:>14}\n", "allocations (calls)", r.instrumented.allocations);
  if (r.resource_reserved_bytes) {
    fmt::print(os, "{:<26} {:>14} {:>9.2f}   (the {}'s blocks from its upstream)\n",
               "resource reserved", *r.resource_reserved_bytes,
               per_event(*r.resource_reserved_bytes, n), r.config.resource);
  }
  if (r.held_from_os_bytes) {
    fmt::print(os, "{:<26} {:>14} {:>9.2f}   (VmRSS growth at the end of the load", "held from OS",
               *r.held_from_os_bytes, per_event(*r.held_from_os_bytes, n));
    if (const auto frag = fragmentation(r)) {
      fmt::print(os, "; {:.1f}% of it holds no store byte", 100 * *frag);
    }
    fmt::print(os, ")\n");
  }
  if (r.hwm_delta_bytes) {
    fmt::print(os, "{:<26} {:>14} {:>9.2f}   (VmHWM; allocator overhead included)\n",
               "peak RSS growth", *r.hwm_delta_bytes, per_event(*r.hwm_delta_bytes, n));
  }
  print_input(os, r);
  print_steady_state(os, r);
  if (r.compaction) print_compaction(os, *r.compaction);
  fmt::print(os, "\nappend {:.2f} M events/s",
             million_per_second(r.events_appended, r.append_seconds));
  if (!r.out_of_memory) {
    fmt::print(os, ", read {:.2f} M events/s ({} events read back)",
               million_per_second(r.events_read, r.read_seconds), r.events_read);
  }
  fmt::print(os, "\n");
  if (!v.note.empty()) fmt::print(os, "\nnote: {}\n", v.note);
  if (r.out_of_memory) {
    fmt::print(os,
               "\nOUT OF MEMORY: the machine refused memory after {} of {} events ({}); the "
               "figures above are the store at that point, nothing was read back\n"
               "verdict: DOES NOT FIT on this machine as it is\n",
               r.events_appended, r.config.events, r.out_of_memory_error);
    return;
  }
  if (r.budget_exceeded) {
    fmt::print(os, "\nhard cap hit after {} of {} events: {}\n", r.events_appended, r.config.events,
               r.budget_error);
    fmt::print(os, "\nverdict: DOES NOT FIT — the hard cap stopped the run after {} of {} events\n",
               r.events_appended, r.config.events);
    return;
  }
  fmt::print(os, "\nverdict: {} — {} = {:.2f} MB ({:.1f} B/event) {} limit {:.2f} MB\n",
             v.fits ? "FITS" : "DOES NOT FIT", v.measure, mb(v.measured_bytes),
             per_event(v.measured_bytes, n), v.fits ? "<=" : ">", mb(limit_bytes));
}

void print_budget_csv(std::ostream& os, const RunResult& r) {
  const std::uint64_t n = r.store.live_events;
  fmt::print(os, "figure,bytes,bytes_per_event\n");
  const auto row = [&](std::string_view name, std::uint64_t bytes) {
    fmt::print(os, "{},{},{:.4f}\n", name, bytes, per_event(bytes, n));
  };
  r.store.for_each_field(
      [&](std::string_view name, std::string_view, std::uint64_t bytes) { row(name, bytes); });
  row("total_bytes", r.store.total_bytes());
  row("instrumented_live", r.instrumented.bytes_live);
  row("instrumented_peak", r.instrumented.peak_bytes_live);
  if (r.resource_reserved_bytes) row("resource_reserved", *r.resource_reserved_bytes);
  if (r.held_from_os_bytes) row("held_from_os", *r.held_from_os_bytes);
  if (r.hwm_delta_bytes) row("peak_rss_growth", *r.hwm_delta_bytes);
  if (r.input) {
    row("raw_json", r.input->raw_json_bytes);
    row("raw_data", r.input->raw_data_bytes);
    row("sample_file", r.input->sample_file_bytes);
    row("sample_held_by_tool", r.input->sample_held_bytes);
  }
  if (r.compaction) {
    row("compaction_freed", r.compaction->held_before > r.compaction->held_after
                                ? r.compaction->held_before - r.compaction->held_after
                                : 0);
    row("held_after_compaction", r.compaction->held_after);
    row("rss_after_compaction", r.compaction->rss_after);
    if (r.compaction->rss_after_collect) {
      row("rss_after_collect", *r.compaction->rss_after_collect);
    }
  }
}

}  // namespace orchestrix::tools
