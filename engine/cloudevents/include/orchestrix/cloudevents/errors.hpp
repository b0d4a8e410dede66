// orchestrix/cloudevents/errors.hpp — the typed error of the CloudEvents codec.
//
// A FormatError is an orchestrix::InvalidArgument (catch either). It names what was wrong
// (problem()), the attribute concerned (attribute(): e.g. "time", "data_base64", an extension's
// name; empty when the fault is not in one attribute, such as malformed JSON outside any member),
// the 0-based index of the event in a batch or JSON-lines input, and, for JSON lines, the 1-based
// line number (0 otherwise). what() reads "CloudEvent: line 7: attribute 'time': bad time: ...".
// Copying the error copies two std::strings on the default heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "orchestrix/errors.hpp"

namespace orchestrix::cloudevents {

enum class Problem : std::uint8_t {
  kMalformedJson,       // not JSON, not an object, trailing characters, bad escape, ...
  kMissingAttribute,    // specversion, id, source or type absent (or null)
  kWrongType,           // an attribute of the wrong JSON type, e.g. a number for "id"
  kBadValue,            // the right type with a value the spec forbids (empty, not a URI)
  kBadTime,             // "time" is not an RFC 3339 timestamp within 1678..2262
  kInvalidBase64,       // "data_base64" is not padded standard base64
  kUnknownSpecVersion,  // "specversion" other than "1.0"
  kBadAttributeName,    // a member name that is not a valid extension attribute name
  kDuplicateAttribute,  // the same member twice in one event
  kDataConflict,        // both "data" and "data_base64"
};

// A short lower-case name of the problem ("bad time", "invalid base64", ...).
std::string_view problem_name(Problem problem) noexcept;

class FormatError : public InvalidArgument {
 public:
  FormatError(Problem problem, std::string_view attribute, std::string_view detail,
              std::size_t index, std::size_t line);

  Problem problem() const noexcept { return problem_; }
  const std::string& attribute() const noexcept { return attribute_; }
  const std::string& detail() const noexcept { return detail_; }
  std::size_t index() const noexcept { return index_; }
  std::size_t line() const noexcept { return line_; }

 private:
  Problem problem_;
  std::string attribute_;
  std::string detail_;
  std::size_t index_;
  std::size_t line_;
};

}  // namespace orchestrix::cloudevents
