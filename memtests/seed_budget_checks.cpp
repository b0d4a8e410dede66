#include "seed_budget_checks.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "support/seed_run.hpp"

namespace orchestrix::memtest {
namespace {

void report_rss_method(const SeedReport& r) {
  if (!r.hwm_reset) {
    MESSAGE(
        "WARNING: /proc/self/clear_refs is not writable; VmHWM could not be reset, so the "
        "whole-process figure below is a VmRSS delta, not a peak");
  }
}

}  // namespace

void check_seed_budget(std::string_view allocator, std::uint64_t events,
                       std::uint64_t budget_bytes) {
  AllocatorStack stack(allocator);
  SeedRun run(stack, events);
  run.load();
  const ReadBack back = run.read_back();
  const SeedReport r = run.report();

  MESSAGE(format_report(r));
  report_rss_method(r);
  CHECK(back.events == events);
  CHECK(back.global_events == events);
  CHECK(back.in_order);
  CHECK(r.requested_peak < budget_bytes);
  CHECK(r.held_peak < budget_bytes);
  CHECK(r.rss_delta < budget_bytes);
}

void check_bytes_per_event_bar(std::string_view allocator, std::uint64_t events) {
  AllocatorStack stack(allocator);
  SeedRun run(stack, events);
  run.load();
  const SeedReport r = run.report();

  const double total = r.per_event(r.store.total_bytes());
  const double instrumented = r.per_event(r.requested_live);
  const double held = r.per_event(r.held_live);
  MESSAGE(format_report(r));
  MESSAGE("bytes per event at " << events << " seed events on " << std::string(allocator)
                                << ": memory_stats total " << total << ", instrumented live "
                                << instrumented << ", held from upstream " << held
                                << " (bar: " << kBarBytesPerEvent << ")");
  CHECK(r.store.live_events == events);
  CHECK(instrumented <= kBarBytesPerEvent);
  CHECK(total <= kBarBytesPerEvent);
  CHECK(held <= kBarBytesPerEvent);  // arena/pool: with what the allocator itself keeps
}

void check_stats_match_instrumented(std::string_view allocator, std::uint64_t events) {
  AllocatorStack stack(allocator);
  std::optional<SeedRun> run(std::in_place, stack, events);
  const std::uint64_t empty_total = run->store().memory_stats().total_bytes();
  const std::uint64_t empty_live = stack.requested().bytes_live();

  run->load();
  const std::uint64_t loaded_total = run->store().memory_stats().total_bytes();
  const std::uint64_t loaded_live = stack.requested().bytes_live();

  const ReadBack back = run->read_back();
  const std::uint64_t read_total = run->store().memory_stats().total_bytes();
  const std::uint64_t read_live = stack.requested().bytes_live();

  run.reset();
  const std::uint64_t after_destroy = stack.requested().bytes_live();

  MESSAGE("memory_stats total vs instrumented live on "
          << std::string(allocator) << ": empty " << empty_total << " / " << empty_live
          << ", loaded " << loaded_total << " / " << loaded_live << ", after reads " << read_total
          << " / " << read_live);
  CHECK(back.events == events);
  CHECK(empty_total == empty_live);
  CHECK(loaded_total == loaded_live);
  CHECK(read_total == read_live);
  CHECK(after_destroy == 0);
}

}  // namespace orchestrix::memtest
