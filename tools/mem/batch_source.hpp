// The workloads orchestrix-mem loads, behind one interface: seed and mixed
// (orchestrix/workload.hpp) as they are, and churn as orchestrix::run_churn() generates it
// (the seed workload's batches of ChurnOptions::batch_events events, each to a stream
// "churn-<k>" drawn uniformly by std::mt19937_64 seeded with the seed), without its fixed
// warm-up and sampling, so the tool can snapshot, compact, sample and draw progress itself.
// Memory: the generator's buffers, on the default heap at construction. Thread safety: one
// thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "orchestrix/workload_batch.hpp"

namespace orchestrix::tools {

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // The next batch (views valid until the next call); false once `events` were produced.
  virtual bool next(WorkloadBatch& batch) = 0;
  // Called after the batch of the last next() was appended (not when the append threw).
  virtual void on_appended() {}
};

struct SourceOptions {
  std::string workload;  // seed, mixed, churn
  std::uint64_t events = 0;
  std::uint64_t seed = 42;
  std::uint64_t churn_streams = 10'000;
  std::uint32_t churn_batch_events = 10;
};

// Throws orchestrix::InvalidArgument for an unknown workload name or a zero churn stream count
// or batch size.
std::unique_ptr<BatchSource> make_source(const SourceOptions& options);

}  // namespace orchestrix::tools
