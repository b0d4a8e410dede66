#include "orchestrix/alloc/forwarding_resource.hpp"

#include <stdexcept>
#include <string>

namespace orchestrix::alloc {

ForwardingResource::ForwardingResource(std::pmr::memory_resource* upstream, const char* decorator)
    : upstream_(upstream) {
  if (upstream_ == nullptr) {
    throw std::invalid_argument(std::string(decorator) + ": upstream must not be null");
  }
}

}  // namespace orchestrix::alloc
