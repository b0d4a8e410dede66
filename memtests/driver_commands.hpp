// memtests/driver_commands.hpp — the compaction and churn commands of memtest_driver.
//
//   print_compaction_cost: loads `events` seed events (one 100-event stream per aggregate) on
//     `allocator`, snapshots every stream with retention drop-before-snapshot, times one
//     compact(), and prints what it retired, wrote and moved. Two scenarios: snapshot at
//     version 50 (half of every stream dead: compaction must copy the live halves) and at 100
//     (everything dead: nothing to copy). Each scenario runs `repeat` times, each in a fresh
//     forked child; the medians are printed.
//   print_churn: the churn workload (orchestrix/churn_workload.hpp) with the settings the memtest
//     uses, printing its steady-state utilization.
// Both print a small Markdown table and return a process exit code.
#pragma once

#include <cstdint>
#include <string_view>

namespace orchestrix::memtest {

int print_compaction_cost(std::string_view allocator, std::uint64_t events, int repeat);
int print_churn(std::string_view allocator);

}  // namespace orchestrix::memtest
