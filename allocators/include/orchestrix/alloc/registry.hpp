// orchestrix/alloc/registry.hpp — make a memory resource by name, for tools and tests.
//
//   auto r = orchestrix::alloc::make_resource("arena");          // over system_resource()
//   for (std::string_view name : orchestrix::alloc::resource_names()) { ... }
//
// Built in (orchestrix::allocators): "system" (SystemResource), "arena" (ArenaResource with
// default ArenaOptions), "pool" (PoolResource with default PoolOptions). "mimalloc" is added
// only by register_mimalloc_resource() from <orchestrix/alloc/mimalloc_resource.hpp>, i.e. only
// in binaries that link orchestrix::mimalloc (why: see that header). Other names can be added
// with register_resource().
//
// Thread safety: make_resource() and resource_names() may be called from any thread;
// register_resource() may race with neither, so register at start-up before threads use the
// registry. The span from resource_names() stays valid for the life of the process (later
// registrations only append, and are not visible through an earlier span).
#pragma once

#include <memory>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "orchestrix/errors.hpp"

namespace orchestrix::alloc {

// Thrown by make_resource() for a name that is not registered; what() lists the valid names
// (and says how to get "mimalloc" when that was the name asked for). An
// orchestrix::InvalidArgument, like every bad-argument error of the library.
class UnknownResource : public InvalidArgument {
 public:
  UnknownResource(std::string name, const std::string& message)
      : InvalidArgument(message), name_(std::move(name)) {}
  const std::string& name() const noexcept { return name_; }

 private:
  std::string name_;
};

// Creates a resource. `upstream` feeds the resources that take memory from another resource
// (arena, pool); nullptr means system_resource(). Leaf resources (system, mimalloc) ignore it.
// The caller owns the result; an arena or pool must be destroyed before its upstream.
// Throws UnknownResource for an unregistered name.
std::unique_ptr<std::pmr::memory_resource> make_resource(
    std::string_view name, std::pmr::memory_resource* upstream = nullptr);

// The registered names, built-ins first, in registration order.
std::span<const std::string_view> resource_names();

using ResourceFactory =
    std::unique_ptr<std::pmr::memory_resource> (*)(std::pmr::memory_resource* upstream);

// Adds (or, for a registered name, replaces) a factory. `name` must have static storage
// duration (a string literal). At most 16 names in all; registering a 17th throws
// orchestrix::UsageError (and registers nothing).
void register_resource(std::string_view name, ResourceFactory factory);

}  // namespace orchestrix::alloc
