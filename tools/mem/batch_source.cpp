#include "batch_source.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <random>

#include "orchestrix/errors.hpp"
#include "orchestrix/workload.hpp"

namespace orchestrix::tools {
namespace {

template <class Workload>
class GeneratorSource final : public BatchSource {
 public:
  template <class Options>
  explicit GeneratorSource(const Options& options) : workload_(options) {}
  bool next(WorkloadBatch& batch) override { return workload_.next(batch); }

 private:
  Workload workload_;
};

class ChurnSource final : public BatchSource {
 public:
  explicit ChurnSource(const SourceOptions& o)
      : workload_({.events = std::numeric_limits<std::uint64_t>::max(),
                   .events_per_stream = o.churn_batch_events,
                   .seed = o.seed,
                   .wall_clock = WallClock::kNo}),
        pick_(o.seed),
        stream_of_(0, o.churn_streams - 1),
        events_(o.events) {
    std::memcpy(name_.data(), "churn-", 6);
  }

  bool next(WorkloadBatch& batch) override {
    if (produced_ >= events_ || !workload_.next(batch)) return false;
    const std::uint64_t k = stream_of_(pick_);
    const auto end = std::to_chars(name_.data() + 6, name_.data() + name_.size(), k).ptr;
    batch.stream = {name_.data(), static_cast<std::size_t>(end - name_.data())};
    if (batch.events.size() > events_ - produced_)
      batch.events = batch.events.first(events_ - produced_);
    produced_ += batch.events.size();
    return true;
  }

 private:
  SeedWorkload workload_;
  std::mt19937_64 pick_;
  std::uniform_int_distribution<std::uint64_t> stream_of_;
  std::uint64_t events_;
  std::uint64_t produced_ = 0;
  std::array<char, 32> name_{};
};

}  // namespace

std::unique_ptr<BatchSource> make_source(const SourceOptions& o) {
  if (o.workload == "seed") {
    return std::make_unique<GeneratorSource<SeedWorkload>>(
        SeedWorkloadOptions{.events = o.events, .seed = o.seed});
  }
  if (o.workload == "mixed") {
    return std::make_unique<GeneratorSource<MixedWorkload>>(
        MixedWorkloadOptions{.events = o.events, .seed = o.seed});
  }
  if (o.workload == "churn") {
    if (o.churn_streams == 0 || o.churn_batch_events == 0) {
      throw InvalidArgument("churn needs at least one stream and one event per batch");
    }
    return std::make_unique<ChurnSource>(o);
  }
  throw InvalidArgument("unknown workload '" + o.workload + "' (known: seed, mixed, churn)");
}

}  // namespace orchestrix::tools
