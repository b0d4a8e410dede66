// orchestrix/errors.hpp — the typed errors of the public API.
//
// Every error derives from orchestrix::Error (itself a std::runtime_error), so callers can catch
// one base or the specific type. An operation that throws any of these changed nothing.
// orchestrix::alloc::BudgetExceeded (a std::bad_alloc, from <orchestrix/alloc/budget_resource.hpp>)
// reaches callers unchanged when a store runs over its memory budget.
#pragma once

#include <stdexcept>
#include <string>

namespace orchestrix {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad input: empty or over-long stream id, empty event type, payload over the maximum record
// size, malformed UUID text, a snapshot beyond the stream's head, ... what() says which.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

}  // namespace orchestrix
