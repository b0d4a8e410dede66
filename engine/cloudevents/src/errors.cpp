#include "orchestrix/cloudevents/errors.hpp"

namespace orchestrix::cloudevents {
namespace {

std::string message(Problem problem, std::string_view attribute, std::string_view detail,
                    std::size_t line) {
  std::string m = "CloudEvent: ";
  if (line != 0) m += "line " + std::to_string(line) + ": ";
  if (!attribute.empty()) {
    m += "attribute '";
    m += attribute;
    m += "': ";
  }
  m += problem_name(problem);
  if (!detail.empty()) {
    m += ": ";
    m += detail;
  }
  return m;
}

}  // namespace

std::string_view problem_name(Problem problem) noexcept {
  switch (problem) {
    case Problem::kMalformedJson:
      return "malformed JSON";
    case Problem::kMissingAttribute:
      return "missing required attribute";
    case Problem::kWrongType:
      return "wrong type";
    case Problem::kBadValue:
      return "bad value";
    case Problem::kBadTime:
      return "bad time";
    case Problem::kInvalidBase64:
      return "invalid base64";
    case Problem::kUnknownSpecVersion:
      return "unknown specversion";
    case Problem::kBadAttributeName:
      return "bad attribute name";
    case Problem::kDuplicateAttribute:
      return "duplicate attribute";
    case Problem::kDataConflict:
      return "both data and data_base64";
  }
  return "unknown problem";
}

FormatError::FormatError(Problem problem, std::string_view attribute, std::string_view detail,
                         std::size_t index, std::size_t line)
    : InvalidArgument(message(problem, attribute, detail, line)),
      problem_(problem),
      attribute_(attribute),
      detail_(detail),
      index_(index),
      line_(line) {}

}  // namespace orchestrix::cloudevents
