// orchestrix/cloudevents_store/event_data.hpp — a CloudEvent's store fields as the EventData
// that EventStore::append() takes.
//
// event_data(fields, attributes) copies no bytes: the result's views point where `fields` and
// `attributes` point (the CloudEvent's memory and the caller's blob), so it is valid as long as
// they are. No correlation or causation id (CloudEvents carries none). noexcept; thread-safe.
#pragma once

#include <cstddef>
#include <span>

#include "orchestrix/cloudevents/attribute_blob.hpp"
#include "orchestrix/event.hpp"

namespace orchestrix::cloudevents {

inline EventData event_data(const StoreFields& f,
                            std::span<const std::byte> attributes = {}) noexcept {
  EventData d;
  d.type = f.type;
  d.data = f.data;
  d.id = f.id;
  d.source = f.source;
  d.time = f.time;
  d.content_type = f.content_type;
  d.attributes = attributes;
  return d;
}

}  // namespace orchestrix::cloudevents
