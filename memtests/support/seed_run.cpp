#include "seed_run.hpp"

#include <array>
#include <cstdio>
#include <span>
#include <string_view>

namespace orchestrix::memtest {

StoreOptions SeedRun::with_memory(StoreOptions options, AllocatorStack& stack) {
  options.memory = stack.resource();
  return options;
}

SeedRun::SeedRun(AllocatorStack& stack, std::uint64_t events, StoreOptions options,
                 std::uint64_t seed)
    : stack_(stack),
      workload_(seed_options(events, seed)),
      store_(with_memory(options, stack)),
      aggregates_(workload_.streams()) {}

void SeedRun::load() { events_ += load_seed(store_, workload_); }

void SeedRun::snapshot_every_stream(std::uint64_t version) {
  constexpr std::string_view kState = "{\"sum\":4950}";
  std::array<char, 32> name{};
  for (std::uint64_t n = 0; n < aggregates_; ++n) {
    store_.save_snapshot(seed_stream_name(n, name),
                         {version, "BenchmarkAggregate", std::as_bytes(std::span(kState))});
  }
}

ReadBack SeedRun::read_back() const { return read_all_streams(store_, aggregates()); }

SeedReport SeedRun::report() const {
  SeedReport r;
  r.allocator = stack_.name();
  r.events = events_;
  r.store = store_.memory_stats();
  const alloc::MemoryStats requested = stack_.requested().stats();
  r.requested_live = requested.bytes_live;
  r.requested_peak = requested.peak_bytes_live;
  r.held_live = stack_.held_bytes();
  r.held_peak = stack_.peak_held_bytes();
  r.rss_delta = meter_.delta_bytes();
  r.hwm_reset = meter_.hwm_reset();
  r.rss_first_in_process = meter_.first_in_process();
  r.rss_method = meter_.method();
  return r;
}

std::string format_report(const SeedReport& r) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "allocator %.*s, %llu seed events\n",
                static_cast<int>(r.allocator.size()), r.allocator.data(),
                static_cast<unsigned long long>(r.events));
  out += line;
  const auto row = [&](std::string_view name, std::uint64_t bytes) {
    std::snprintf(line, sizeof line, "  %-28.*s %14llu B %9.2f B/event\n",
                  static_cast<int>(name.size()), name.data(),
                  static_cast<unsigned long long>(bytes), r.per_event(bytes));
    out += line;
  };
  r.store.for_each_field(
      [&](std::string_view name, std::string_view, std::uint64_t bytes) { row(name, bytes); });
  row("= memory_stats total", r.store.total_bytes());
  row("instrumented live", r.requested_live);
  row("instrumented peak", r.requested_peak);
  row("held from upstream (live)", r.held_live);
  row("held from upstream (peak)", r.held_peak);
  row("rss delta", r.rss_delta);
  out += "  rss method: ";
  out += r.rss_method;
  out += '\n';
  if (!r.rss_first_in_process) {
    out +=
        "  rss caveat: not the first measured phase of this process; pages freed earlier may "
        "be reused, so the delta can understate (ctest runs each case in its own process)\n";
  }
  return out;
}

}  // namespace orchestrix::memtest
