#include "orchestrix/alloc/registry.hpp"

#include <array>
#include <mutex>

#include "orchestrix/alloc/arena_resource.hpp"
#include "orchestrix/alloc/pool_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/errors.hpp"

namespace orchestrix::alloc {
namespace {

constexpr std::size_t kMaxNames = 16;

std::pmr::memory_resource* or_system(std::pmr::memory_resource* upstream) {
  return upstream != nullptr ? upstream : system_resource();
}

std::unique_ptr<std::pmr::memory_resource> make_system(std::pmr::memory_resource*) {
  return std::make_unique<SystemResource>();
}
std::unique_ptr<std::pmr::memory_resource> make_arena(std::pmr::memory_resource* upstream) {
  return std::make_unique<ArenaResource>(or_system(upstream));
}
std::unique_ptr<std::pmr::memory_resource> make_pool(std::pmr::memory_resource* upstream) {
  return std::make_unique<PoolResource>(or_system(upstream));
}

// Append-only: entries never move, so spans over names stay valid.
struct Registry {
  std::mutex mutex;
  std::array<std::string_view, kMaxNames> names{"system", "arena", "pool"};
  std::array<ResourceFactory, kMaxNames> factories{&make_system, &make_arena, &make_pool};
  std::size_t count = 3;
};

Registry& registry() {
  static Registry* const instance = new Registry();  // never destroyed
  return *instance;
}

}  // namespace

std::unique_ptr<std::pmr::memory_resource> make_resource(std::string_view name,
                                                         std::pmr::memory_resource* upstream) {
  Registry& r = registry();
  ResourceFactory factory = nullptr;
  std::string valid;
  {
    std::lock_guard lock(r.mutex);
    for (std::size_t i = 0; i < r.count; ++i) {
      if (r.names[i] == name) factory = r.factories[i];
      valid += (i == 0 ? "" : ", ");
      valid += r.names[i];
    }
  }
  if (factory != nullptr) return factory(upstream);
  std::string message =
      "unknown memory resource \"" + std::string(name) + "\"; valid names: " + valid;
  if (name == "mimalloc") {
    message +=
        " (\"mimalloc\" exists only in binaries that link orchestrix::mimalloc and call "
        "orchestrix::alloc::register_mimalloc_resource())";
  }
  throw UnknownResource(std::string(name), message);
}

std::span<const std::string_view> resource_names() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return {r.names.data(), r.count};
}

void register_resource(std::string_view name, ResourceFactory factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (std::size_t i = 0; i < r.count; ++i) {
    if (r.names[i] == name) {
      r.factories[i] = factory;
      return;
    }
  }
  if (r.count == kMaxNames) throw UsageError("register_resource: registry is full (16 names)");
  r.names[r.count] = name;
  r.factories[r.count] = factory;
  ++r.count;
}

}  // namespace orchestrix::alloc
