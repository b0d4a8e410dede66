// orchestrix/workload_batch.hpp — what every workload generator yields, and its clock choice.
//
// Generators (orchestrix/workload.hpp lists them) allocate their buffers once, at construction,
// on the default heap; next() then reuses them and never allocates, so a generator can feed a
// store inside an allocation-counting scope. Thread safety: a generator is used by one thread at
// a time.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "orchestrix/event.hpp"

namespace orchestrix {

// One stream append's worth of events: pass it to EventStore::append(stream, events). The views
// point into the generator's buffers and stay valid until its next next()/reset().
struct WorkloadBatch {
  std::string_view stream;
  std::span<const EventData> events;
};

// kNo (the default): a synthetic clock (start + i * step), for byte-identical runs.
// kYes: events carry Timestamp::now().
enum class WallClock : std::uint8_t { kNo, kYes };

}  // namespace orchestrix
