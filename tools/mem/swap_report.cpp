// The swap command's table, best-of line, CSV and JSON (declared in report.hpp).
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <functional>
#include <limits>

#include "orchestrix/store_options.hpp"
#include "report.hpp"
#include "run_json.hpp"
#include "units.hpp"

namespace orchestrix::tools {
namespace {

// RSS growth after the final compaction: after the collect call when there was one.
std::optional<std::uint64_t> rss_after_compaction(const RunResult& r) {
  if (!r.compaction) return std::nullopt;
  return r.compaction->rss_after_collect.value_or(r.compaction->rss_after);
}

// The name of the outcome with the smallest (or, with `larger`, the largest) figure.
std::string best(const std::vector<SwapOutcome>& outcomes,
                 const std::function<std::optional<double>(const RunResult&)>& figure,
                 bool larger = false) {
  std::string name;
  double best_value = larger ? -1.0 : std::numeric_limits<double>::infinity();
  for (const SwapOutcome& o : outcomes) {
    if (!o.ok) continue;
    const std::optional<double> v = figure(o.result);
    if (!v) continue;
    if (larger ? *v > best_value : *v < best_value) {
      best_value = *v;
      name = o.candidate.name;
    }
  }
  return name;
}

std::optional<double> as_double(std::optional<std::uint64_t> v) {
  return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
}

std::string mb_cell(std::optional<std::uint64_t> bytes) {
  return bytes ? fmt::format("{:.2f}", mb(*bytes)) : "-";
}

}  // namespace

SwapBest best_of(const std::vector<SwapOutcome>& outcomes) {
  SwapBest b;
  b.peak_rss = best(outcomes, [](const RunResult& r) { return as_double(r.hwm_delta_bytes); });
  b.held_from_os =
      best(outcomes, [](const RunResult& r) { return as_double(r.held_from_os_bytes); });
  b.rss_after_compaction =
      best(outcomes, [](const RunResult& r) { return as_double(rss_after_compaction(r)); });
  b.append_rate = best(
      outcomes,
      [](const RunResult& r) -> std::optional<double> {
        return million_per_second(r.events_appended, r.append_seconds);
      },
      true);
  return b;
}

void print_swap_table(std::ostream& os, const RunConfig& cfg,
                      const std::vector<SwapOutcome>& outcomes) {
  const bool input = !cfg.input.empty();
  if (input) {
    fmt::print(os,
               "orchestrix-mem swap: {} events of {} (cycled, streams by {}), compression {}, "
               "each allocator in its own process\n\n",
               cfg.events, cfg.input, cfg.stream_by,
               cfg.compression.value_or(StoreOptions{}.compression.enabled) ? "on" : "off");
  } else {
    fmt::print(os, "orchestrix-mem swap: {} {} events, each allocator in its own process\n\n",
               cfg.events, cfg.workload);
  }
  fmt::print(os, "{:<10} {:>10} {:>10} {:>10} {:>10} {:>6} {:>10} {:>9} {:>10} {:>9}{}\n",
             "allocator", "store B/ev", "inst. peak", "peak RSS", "held (OS)", "frag.",
             "RSS compct", "RSS/glibc", "append M/s", "read M/s", input ? "   held/raw" : "");
  std::optional<double> glibc_rss;
  for (const auto& o : outcomes) {
    if (o.ok && o.candidate.name == "glibc" && o.result.hwm_delta_bytes) {
      glibc_rss = static_cast<double>(*o.result.hwm_delta_bytes);
    }
  }
  const SwapBest b = best_of(outcomes);
  for (const auto& o : outcomes) {
    if (!o.ok) {
      fmt::print(os, "{:<10} {}\n", o.candidate.name, o.error);
      continue;
    }
    const RunResult& r = o.result;
    const double rss = r.hwm_delta_bytes ? static_cast<double>(*r.hwm_delta_bytes) : 0.0;
    const std::optional<double> frag = fragmentation(r);
    const std::optional<double> raw = held_per_raw(r);
    fmt::print(
        os, "{:<10} {:>10.2f} {:>10.2f} {:>10.2f} {:>10} {:>6} {:>10} {:>9} {:>10.2f} {:>9.2f}{}\n",
        o.candidate.name, r.store.bytes_per_event(), mb(r.instrumented.peak_bytes_live), rss / 1e6,
        mb_cell(r.held_from_os_bytes), frag ? fmt::format("{:.1f}%", 100 * *frag) : "-",
        mb_cell(rss_after_compaction(r)),
        glibc_rss && *glibc_rss > 0 ? fmt::format("{:.2f}x", rss / *glibc_rss) : "-",
        million_per_second(r.events_appended, r.append_seconds),
        million_per_second(r.events_read, r.read_seconds),
        !input ? std::string{}
        : raw  ? fmt::format(" {:>10.3f}", *raw)
               : fmt::format(" {:>10}", "-"));
  }
  fmt::print(os, "\nbest: lowest peak RSS {}; lowest held from the OS {}", b.peak_rss,
             b.held_from_os);
  if (!b.rss_after_compaction.empty()) {
    fmt::print(os, "; lowest RSS after compaction {}", b.rss_after_compaction);
  }
  fmt::print(os, "; fastest append {}\n", b.append_rate);
  fmt::print(os,
             "\nMB are 10^6 bytes. store B/ev: bytes the store holds per live event (the same\n"
             "request stream everywhere); inst. peak: the most it held at once; peak RSS: VmHWM\n"
             "growth of the child over the run; held (OS): VmRSS growth at the end of the load;\n"
             "frag.: the share of it that holds no store byte; RSS compct: VmRSS growth after the\n"
             "final compact() (and the allocator's collect call, if any; '-' without snapshots).\n"
             "Timings are single runs: compare ratios, not absolutes.\n");
  if (input) {
    fmt::print(os,
               "held/raw: bytes the store holds at the end of the load per byte of the appended\n"
               "events as CloudEvents JSON lines.\n");
  }
}

void print_swap_csv(std::ostream& os, const std::vector<SwapOutcome>& outcomes) {
  fmt::print(os,
             "allocator,ok,store_bytes_per_event,instrumented_peak_bytes,peak_rss_bytes,"
             "held_from_os_bytes,fragmentation,rss_after_compaction_bytes,append_events_per_s,"
             "read_events_per_s,held_per_raw_json\n");
  const auto cell = [](std::optional<std::uint64_t> v) {
    return v ? std::to_string(*v) : std::string{};
  };
  for (const auto& o : outcomes) {
    if (!o.ok) {
      fmt::print(os, "{},0,,,,,,,,,\n", o.candidate.name);
      continue;
    }
    const RunResult& r = o.result;
    const std::optional<double> frag = fragmentation(r);
    const std::optional<double> raw = held_per_raw(r);
    fmt::print(os, "{},1,{:.4f},{},{},{},{},{},{:.0f},{:.0f},{}\n", o.candidate.name,
               r.store.bytes_per_event(), r.instrumented.peak_bytes_live, cell(r.hwm_delta_bytes),
               cell(r.held_from_os_bytes), frag ? fmt::format("{:.4f}", *frag) : "",
               cell(rss_after_compaction(r)),
               million_per_second(r.events_appended, r.append_seconds) * 1e6,
               million_per_second(r.events_read, r.read_seconds) * 1e6,
               raw ? fmt::format("{:.4f}", *raw) : std::string{});
  }
}

nlohmann::json swap_to_json(const std::vector<SwapOutcome>& outcomes) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& o : outcomes) {
    nlohmann::json j;
    j["allocator"] = o.candidate.name;
    j["ok"] = o.ok;
    if (o.ok) {
      j["result"] = to_json(o.result);
    } else {
      j["error"] = o.error;
    }
    rows.push_back(std::move(j));
  }
  const SwapBest b = best_of(outcomes);
  return {{"allocators", std::move(rows)},
          {"best",
           {{"peak_rss", b.peak_rss},
            {"held_from_os", b.held_from_os},
            {"rss_after_compaction", b.rss_after_compaction},
            {"append_rate", b.append_rate}}}};
}

}  // namespace orchestrix::tools
