// orchestrix/cloudevents_store/exporter.hpp — stored events back out as CloudEvents JSON.
//
// An Exporter turns an EventView into the CloudEvent it was imported from (importer.hpp): the
// record's fields plus its attribute blob (EventView::attributes(), orchestrix/cloudevents/
// attribute_blob.hpp) give back every attribute, and writes it as compact CloudEvents JSON
// (orchestrix/cloudevents/writer.hpp): one event, JSON lines (one event and "\n" each) or a batch
// array. Any stored event can be exported, also one appended without a blob: it comes back with
// its stream as subject, its id as a UUID, its time in the canonical form and JSON data.
//
// Errors: restore() and the writers throw orchestrix::InvalidArgument when an event's attribute
// bytes are not a blob the codec wrote (attributes appended by other means), and whatever the
// read range throws (ReadBelowRetained). A string that fails to grow throws std::bad_alloc; a
// throwing call may leave part of its output appended to `out` (truncate it to its old size to
// undo: the writers give no strong guarantee).
//
// Lifetime: restore()'s event views point into the EventView's store memory and into the
// exporter; they are valid until the next call on this exporter and while the read range that
// produced the view lives (the store's view lifetime rule, event_store.hpp).
// Memory: the exporter holds 48 bytes per extension attribute of the largest event exported so
// far, from the memory_resource given at construction; nothing per event.
// Thread safety: one exporter per thread; reading the store concurrently with appends is safe
// (the store's read ranges are).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>

#include "orchestrix/cloudevents/attribute_blob.hpp"
#include "orchestrix/cloudevents/cloud_event.hpp"
#include "orchestrix/cloudevents/writer.hpp"
#include "orchestrix/event.hpp"
#include "orchestrix/event_store.hpp"

namespace orchestrix::cloudevents {

class Exporter {
 public:
  explicit Exporter(std::pmr::memory_resource* resource = std::pmr::get_default_resource());

  // The CloudEvent of a stored event.
  const CloudEvent& restore(const EventView& event);

  // One event as a JSON object, appended to `out`.
  template <class String>
  void append_json(String& out, const EventView& event) {
    cloudevents::append_json(out, restore(event));
  }
  // Every event of `events` (an EventRange, an AllEventsRange or any range of EventView) as one
  // JSON line each. Returns the number of events. JSON data kept byte for byte may hold line
  // breaks (whitespace between its tokens, the only place a raw line break can be in JSON):
  // on a line they are written as spaces, the one change a JSON-lines export makes to data.
  template <class String, class Range>
  std::size_t append_lines(String& out, const Range& events) {
    std::size_t n = 0;
    for (const EventView& e : events) {
      append_line(out, restore(e));
      ++n;
    }
    return n;
  }
  // The events as a JSON array (a batch). Returns the number of events.
  template <class String, class Range>
  std::size_t append_batch(String& out, const Range& events) {
    std::size_t n = 0;
    out.push_back('[');
    for (const EventView& e : events) {
      if (n != 0) out.push_back(',');
      cloudevents::append_json(out, restore(e));
      ++n;
    }
    out.push_back(']');
    return n;
  }

  // A stream from `from_version` to its head, as JSON lines (EventStore::read).
  std::size_t append_stream_lines(std::string& out, const EventStore& store,
                                  std::string_view stream, std::uint64_t from_version = 0);
  // The whole global log from `from` to the head, as JSON lines (EventStore::read_all).
  std::size_t append_log_lines(std::string& out, const EventStore& store, Position from = {});

 private:
  template <class String>
  static void append_line(String& out, const CloudEvent& event) {
    cloudevents::append_json(out, event);
    if (event.data_kind == DataKind::kJson) {
      // The data is the object's last member: `"data":<data>}`.
      const std::size_t end = out.size() - 1;
      flatten_line_breaks(out.data() + (end - event.data.size()), event.data.size());
    }
    out.push_back('\n');
  }
  // Replaces '\n' and '\r' in [p, p + n) by spaces.
  static void flatten_line_breaks(char* p, std::size_t n) noexcept;

  RestoredEvent restored_;
};

}  // namespace orchestrix::cloudevents
