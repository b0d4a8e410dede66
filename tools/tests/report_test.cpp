// orchestrix-mem's reporter library without a process: JSON round trip, verdicts, the best-of
// choice, fragmentation, retention names, heaptrack_print parsing, swap arguments.
#include "report.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "heaptrack_compare.hpp"
#include "run.hpp"
#include "run_json.hpp"
#include "swap.hpp"

namespace tools = orchestrix::tools;

namespace {

tools::RunResult sample_result() {
  tools::RunResult r;
  r.config.events = 1000;
  r.config.workload = "churn";
  r.config.snapshot_every = 100;
  r.config.retention = orchestrix::RetentionPolicy::keep_before_snapshot(20);
  r.config.auto_compact_ratio = 0.05;
  r.malloc_name = "glibc";
  r.events_appended = 1000;
  r.events_read = 800;
  r.snapshots = 9;
  r.store.record_bytes = 30'000;
  r.store.dead_record_bytes = 2'000;
  r.store.live_events = 800;
  r.instrumented.bytes_live = 32'000;
  r.instrumented.peak_bytes_live = 40'000;
  r.hwm_delta_bytes = 50'000;
  r.held_from_os_bytes = 40'000;
  r.samples = {{500, 16'000, 1'000, 20'000, 500}, {1000, 32'000, 2'000, 40'000, 800}};
  r.mean_utilization = 0.9375;
  r.compaction = tools::FinalCompaction{};
  r.compaction->held_before = 32'000;
  r.compaction->held_after = 30'000;
  r.compaction->rss_after_collect = 35'000;
  r.compaction->collect = "mi_collect(true)";
  return r;
}

tools::SwapOutcome outcome(const char* name, std::uint64_t rss, std::uint64_t held,
                           double append_seconds) {
  tools::SwapOutcome o;
  o.candidate.name = name;
  o.ok = true;
  o.result = sample_result();
  o.result.hwm_delta_bytes = rss;
  o.result.held_from_os_bytes = held;
  o.result.append_seconds = append_seconds;
  return o;
}

}  // namespace

TEST_CASE("a run survives the JSON round trip that swap's children go through") {
  const tools::RunResult r = sample_result();
  const tools::RunResult back = tools::result_from_json(tools::to_json(r));
  CHECK(back.config.workload == "churn");
  CHECK(tools::retention_text(back.config.retention) == "keep:20");
  CHECK(back.config.auto_compact_ratio == doctest::Approx(0.05));
  CHECK(back.store.total_bytes() == r.store.total_bytes());
  CHECK(back.instrumented.peak_bytes_live == 40'000);
  REQUIRE(back.samples.size() == 2);
  CHECK(back.samples[1].rss_bytes == 40'000);
  REQUIRE(back.compaction.has_value());
  CHECK(back.compaction->rss_after_collect == 35'000);
  CHECK(tools::to_json(r)["final_compaction"]["freed_bytes"] == 2'000);
}

TEST_CASE("the verdict uses the larger figure, and a run out of memory never fits") {
  tools::RunResult r = sample_result();
  tools::Verdict v = tools::judge(r, 45'000, "both");
  CHECK_FALSE(v.fits);
  CHECK(v.measured_bytes == 50'000);
  CHECK(tools::judge(r, 45'000, "instrumented").fits);
  r.out_of_memory = true;
  CHECK_FALSE(tools::judge(r, 1'000'000, "instrumented").fits);
  std::ostringstream text;
  tools::print_budget_report(text, r, 1'000'000, tools::judge(r, 1'000'000, "both"));
  CHECK(text.str().find("OUT OF MEMORY") != std::string::npos);
}

TEST_CASE("fragmentation is the share of the held-from-OS bytes that holds no store byte") {
  tools::RunResult r = sample_result();
  CHECK(*tools::fragmentation(r) == doctest::Approx(0.2));  // (40000 - 32000) / 40000
  r.held_from_os_bytes = 30'000;                            // RSS below the live bytes
  CHECK(*tools::fragmentation(r) == 0.0);
  r.held_from_os_bytes.reset();
  CHECK_FALSE(tools::fragmentation(r).has_value());
}

TEST_CASE("swap names the best allocator per figure and skips failed runs") {
  std::vector<tools::SwapOutcome> o = {outcome("glibc", 50'000, 45'000, 2.0),
                                       outcome("pool", 48'000, 46'000, 1.0),
                                       outcome("arena", 90'000, 90'000, 0.5)};
  o.push_back(outcome("tcmalloc", 1, 1, 0.1));
  o.back().ok = false;
  const tools::SwapBest b = tools::best_of(o);
  CHECK(b.peak_rss == "pool");
  CHECK(b.held_from_os == "glibc");
  CHECK(b.append_rate == "arena");
  CHECK(b.rss_after_compaction == "glibc");  // all equal (35000): the first
  std::ostringstream csv;
  tools::print_swap_csv(csv, o);
  CHECK(csv.str().find("tcmalloc,0,") != std::string::npos);
  CHECK(csv.str().find("pool,1,") != std::string::npos);
}

TEST_CASE("retention policies by name") {
  for (const char* text : {"keep-all", "drop", "keep:0", "keep:20"}) {
    const auto p = tools::parse_retention(text);
    REQUIRE(p.has_value());
    CHECK(tools::retention_text(*p) == text);
  }
  for (const char* text : {"", "keep", "keep:", "keep:x", "keep:-1", "keep:1x", "dropped"}) {
    CHECK_FALSE(tools::parse_retention(text).has_value());
  }
}

TEST_CASE("heaptrack_print's peak and calls lines, in its decimal units") {
  const auto f = tools::parse_heaptrack_print(
      "calls to allocation functions: 30767 (12000/s)\n"
      "temporary memory allocations: 50 (25000/s)\n"
      "peak heap memory consumption: 35.07M\n");
  REQUIRE(f.has_value());
  CHECK(f->peak_bytes == 35'070'000);
  CHECK(f->allocations == 30'767);
  CHECK(tools::parse_heaptrack_print("peak heap memory consumption: 440.91K")->peak_bytes ==
        440'910);
  CHECK(tools::parse_heaptrack_print("peak heap memory consumption: 512B")->peak_bytes == 512);
  CHECK_FALSE(tools::parse_heaptrack_print("no such line").has_value());
}

TEST_CASE("swap's children get every workload and lifecycle option") {
  tools::RunConfig c;
  c.workload = "churn";
  c.snapshot_every = 50;
  c.retention = orchestrix::RetentionPolicy::drop_before_snapshot();
  c.compact_every = 1000;
  c.churn_streams = 7;
  const std::string args = tools::budget_arguments(c);
  for (const char* want : {"--workload churn", "--snapshot-every 50", "--retention drop",
                           "--compact-every 1000", "--churn-streams 7", "--churn-batch 10"}) {
    CHECK_MESSAGE(args.find(want) != std::string::npos, want);
  }
}
