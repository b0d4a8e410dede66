// memtests/compaction_checks.hpp — what compaction gives back, shared by memtest_compaction
// (system, arena, pool) and memtest_mimalloc_budget (mimalloc, its own process).
#pragma once

#include <cstdint>
#include <string_view>

namespace orchestrix::memtest {

// Returns the process's global operator new calls so far (all threads), or nullptr where the
// binary cannot count them (the mimalloc binary: no alloc guard next to mimalloc's override).
using GlobalNewCounter = std::uint64_t (*)() noexcept;

// Loads seed events (1M; 100k under sanitizers) with retention drop-before-snapshot on
// `allocator`, snapshots every stream at its head, compacts, and checks: bytes held through the
// instrumented resource drop to <= 10% of what they were, memory_stats still equals the
// instrumented live bytes, nothing is dead or retired any more, reads report the retained range
// (truncated() / ReadBelowRetained), and — when `count_global_new` is given — the snapshots and
// compact() made no global operator new call.
void check_compaction_frees(std::string_view allocator, GlobalNewCounter count_global_new);

}  // namespace orchestrix::memtest
