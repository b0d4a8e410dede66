// orchestrix/cloudevents/writer.hpp — CloudEvents 1.0 structured-mode JSON out.
//
// Appends compact JSON (no whitespace) to a string: members in the order specversion, id,
// source, type, subject, time, datacontenttype, dataschema, the extensions in their order, then
// data or data_base64. Strings are escaped as JSON requires (", \ and control characters;
// everything else, UTF-8 included, is copied as is). "time" is written in the event's
// TimeFormat, so a parsed time comes back as it was written (upper-case "T" and "Z"). DataKind
// kJson data is copied verbatim (it must be JSON text, as a Decoder produces); kBinary data is
// written as padded base64.
//
// Errors: none of its own; a growing string may throw std::bad_alloc, which leaves `out` with
// a partly written event appended (the strong guarantee is not given: truncate on failure).
// Thread safety: reads the events only; any number of threads may write distinct strings.
#pragma once

#include <memory_resource>
#include <span>
#include <string>

#include "orchestrix/cloudevents/cloud_event.hpp"

namespace orchestrix::cloudevents {

// One event as a JSON object.
void append_json(std::string& out, const CloudEvent& event);
void append_json(std::pmr::string& out, const CloudEvent& event);
// One line per event, each ending in "\n".
void append_lines(std::string& out, std::span<const CloudEvent> events);
void append_lines(std::pmr::string& out, std::span<const CloudEvent> events);
// A JSON array of the events (a batch).
void append_batch(std::string& out, std::span<const CloudEvent> events);
void append_batch(std::pmr::string& out, std::span<const CloudEvent> events);

}  // namespace orchestrix::cloudevents
