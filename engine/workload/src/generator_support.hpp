// Internal: what the generators share — reproducible v4 ids and the event clock.
#pragma once

#include <cstdint>

#include "orchestrix/detail/splitmix64.hpp"
#include "orchestrix/timestamp.hpp"
#include "orchestrix/uuid.hpp"
#include "orchestrix/workload_batch.hpp"

namespace orchestrix::workload_detail {

using detail::splitmix64;

// A v4 id from the next two outputs of `state`.
inline Uuid random_v4(std::uint64_t& state) noexcept {
  const std::uint64_t hi = splitmix64(state);
  const std::uint64_t lo = splitmix64(state);
  return Uuid::v4_from_bits(hi, lo);
}

// The time of the next event: Timestamp::now() under WallClock::kYes, else `clock`, which then
// advances by `step_nanos`.
inline Timestamp next_time(WallClock wall_clock, std::int64_t& clock,
                           std::int64_t step_nanos) noexcept {
  if (wall_clock == WallClock::kYes) return Timestamp::now();
  const Timestamp t{clock};
  clock += step_nanos;
  return t;
}

}  // namespace orchestrix::workload_detail
