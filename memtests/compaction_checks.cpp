#include "compaction_checks.hpp"

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <string>

#include "orchestrix/errors.hpp"
#include "seed_budget_checks.hpp"
#include "support/seed_run.hpp"

namespace orchestrix::memtest {
namespace {

constexpr std::uint64_t kCompactEvents = kSanitized ? k100k : k1M;
constexpr double kMaxRemainingShare = 0.10;

}  // namespace

void check_compaction_frees(std::string_view allocator, GlobalNewCounter count_global_new) {
  AllocatorStack stack(allocator);
  StoreOptions options;
  options.retention = RetentionPolicy::drop_before_snapshot();
  SeedRun run(stack, kCompactEvents, options);
  run.load();
  EventStore& store = run.store();
  const std::uint64_t held_before = stack.requested().bytes_live();
  const std::uint64_t upstream_before = stack.held_bytes();

  // A head snapshot per stream: the state after its 100 events.
  const std::uint64_t news_before = count_global_new != nullptr ? count_global_new() : 0;
  run.snapshot_every_stream(kSeedBatchEvents);
  const StoreMemoryStats marked = store.memory_stats();

  const auto start = std::chrono::steady_clock::now();
  const CompactionResult compacted = store.compact();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::uint64_t global_news =
      count_global_new != nullptr ? count_global_new() - news_before : 0;
  const StoreMemoryStats after = store.memory_stats();
  const std::uint64_t held_after = stack.requested().bytes_live();
  const std::uint64_t upstream_after = stack.held_bytes();
  const double share = static_cast<double>(held_after) / static_cast<double>(held_before);

  SeedReport report = run.report();
  MESSAGE(format_report(report));
  MESSAGE(allocator << ": " << kCompactEvents << " events, held through the instrumented resource "
                    << held_before << " B -> " << held_after << " B (" << share * 100
                    << "% remains; bar 10%); held from upstream " << upstream_before << " -> "
                    << upstream_after << " B; dead before compaction " << marked.dead_record_bytes
                    << " B; compact(): " << compacted.segments_retired << " segments / "
                    << compacted.bytes_retired << " B retired, " << compacted.live_bytes_moved
                    << " B moved in " << seconds * 1e3
                    << " ms; global operator new calls during snapshots + compact(): "
                    << (count_global_new != nullptr ? std::to_string(global_news)
                                                    : std::string("not counted in this binary")));
  CHECK(global_news == 0);
  CHECK(marked.live_events == 0);
  CHECK(marked.dead_record_bytes > 0);
  CHECK(compacted.bytes_retired > 0);
  CHECK(after.dead_record_bytes == 0);
  CHECK(after.retired_segment_bytes == 0);  // no read range is alive
  CHECK(after.total_bytes() == held_after);
  CHECK(share <= kMaxRemainingShare);

  // The streams stay consistent: head versions kept, reads below the retained range say so.
  std::array<char, 32> name{};
  const std::string_view first = seed_stream_name(0, name);
  CHECK(store.stream_version(first) == kSeedBatchEvents - 1);
  const EventRange clamped = store.read(first);
  CHECK(clamped.empty());
  CHECK(clamped.truncated());
  CHECK(clamped.first_version() == kSeedBatchEvents);
  CHECK_THROWS_AS((void)store.read(first, 0, BelowRetained::kThrow), ReadBelowRetained);
  const ReadBack back = run.read_back();
  CHECK(back.events == 0);
  CHECK(back.global_events == 0);
}

}  // namespace orchestrix::memtest
