// The character-level checks of RFC 3986 the codec applies to "source" (URI-reference) and
// "dataschema" (URI): only characters a URI may hold (unreserved, reserved, "%" followed by two
// hex digits), and for a URI a scheme ("letter *(letter / digit / + / - / .)" then ":").
// The finer grammar (authority, ports, path forms) is not checked.
#pragma once

#include <string_view>

namespace orchestrix::cloudevents::detail {

bool is_uri_reference(std::string_view text) noexcept;
bool is_absolute_uri(std::string_view text) noexcept;

}  // namespace orchestrix::cloudevents::detail
