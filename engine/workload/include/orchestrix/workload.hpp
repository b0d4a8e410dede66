// orchestrix/workload.hpp — deterministic generators of the reference workloads, shared by
// tests, memtests, benches and the CLI (docs/memory.md describes them):
//   seed   (seed_workload.hpp)   fixed-size streams of small JSON events, one batch per stream
//   mixed  (mixed_workload.hpp)  service-shaped: Zipf stream lengths, log-normal payloads
//   churn  (churn_workload.hpp)  seed-shaped batches to random streams with periodic snapshots,
//                                run against a store to measure utilization under compaction
//
// Determinism: by default (WallClock::kNo) a given seed produces byte-identical events (ids,
// payloads and times) on every run and in every process, so the same options are the same work
// under any allocator. WallClock::kYes stamps Timestamp::now() per event instead, as a service
// would (times then differ between runs, and so do the time-delta bytes of the records).
// Memory and threading: see workload_batch.hpp and each generator.
#pragma once

#include "orchestrix/churn_workload.hpp"
#include "orchestrix/mixed_workload.hpp"
#include "orchestrix/seed_workload.hpp"
#include "orchestrix/workload_batch.hpp"
