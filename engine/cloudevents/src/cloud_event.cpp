#include "orchestrix/cloudevents/cloud_event.hpp"

#include <algorithm>

namespace orchestrix::cloudevents {

TimeFormat canonical_time_format(Timestamp time) noexcept {
  std::int64_t frac = time.unix_nanos() % 1'000'000'000;
  if (frac < 0) frac += 1'000'000'000;
  TimeFormat f;
  if (frac == 0) {
    f.fraction_digits = 0;
  } else if (frac % 1'000'000 == 0) {
    f.fraction_digits = 3;
  } else if (frac % 1'000 == 0) {
    f.fraction_digits = 6;
  } else {
    f.fraction_digits = 9;
  }
  return f;
}

bool same_event(const CloudEvent& a, const CloudEvent& b) noexcept {
  return a.id == b.id && a.source == b.source && a.type == b.type && a.subject == b.subject &&
         a.datacontenttype == b.datacontenttype && a.dataschema == b.dataschema &&
         a.time == b.time && (!a.time || a.time_format == b.time_format) &&
         a.data_kind == b.data_kind &&
         std::equal(a.data.begin(), a.data.end(), b.data.begin(), b.data.end()) &&
         std::equal(a.extensions.begin(), a.extensions.end(), b.extensions.begin(),
                    b.extensions.end());
}

}  // namespace orchestrix::cloudevents
