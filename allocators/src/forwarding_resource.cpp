#include "orchestrix/alloc/forwarding_resource.hpp"

#include <string>

#include "orchestrix/errors.hpp"

namespace orchestrix::alloc {

ForwardingResource::ForwardingResource(std::pmr::memory_resource* upstream, const char* decorator)
    : upstream_(upstream) {
  if (upstream_ == nullptr) {
    throw InvalidArgument(std::string(decorator) + ": upstream must not be null");
  }
}

}  // namespace orchestrix::alloc
