#include "orchestrix/alloc/pool_resource.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>

#include "orchestrix/errors.hpp"
#include "pool_size_classes.hpp"

namespace orchestrix::alloc {
namespace {

using detail::PoolSizeClasses;

inline std::uintptr_t align_up(std::uintptr_t value, std::size_t alignment) noexcept {
  return (value + alignment - 1) & ~(static_cast<std::uintptr_t>(alignment) - 1);
}

// One immutable table set per distinct max_slot_bytes, built once and shared by every pool
// using it (so a pool object stays small and takes no heap memory of its own per instance).
const PoolSizeClasses* size_classes_for(std::size_t max_slot_bytes) {
  static std::mutex mutex;
  static auto* tables = new std::map<std::size_t, std::unique_ptr<PoolSizeClasses>>();
  std::lock_guard lock(mutex);
  auto& slot = (*tables)[max_slot_bytes];
  if (!slot) slot = std::make_unique<PoolSizeClasses>(max_slot_bytes);
  return slot.get();
}

void validate(const PoolOptions& o) {
  if (o.max_slot_bytes < 8 || o.max_slot_bytes > PoolSizeClasses::kMaxSlotBytes ||
      o.max_slot_bytes % 8 != 0) {
    throw InvalidArgument("PoolResource: max_slot_bytes must be a multiple of 8 in [8, 32768]");
  }
  if (!std::has_single_bit(o.slab_bytes) || o.slab_bytes < 4096 ||
      o.slab_bytes < 8 * o.max_slot_bytes) {
    throw InvalidArgument(
        "PoolResource: slab_bytes must be a power of two, >= 4096 and >= 8 * max_slot_bytes");
  }
}

}  // namespace

// Layout: every slab is slab_bytes long and aligned to slab_bytes, so the slab of any slot is
// found by masking the slot's address (no lookup table, no per-slot header). Each slab belongs
// to one size class and keeps its own free list; a class keeps its slabs on two intrusive lists
// (with a free slot / full) so allocation takes the head of "partial" in O(1) and an empty
// slab can be unlinked and returned in O(1). Slots are carved lazily (`bump`), so a fresh slab
// touches only the pages it hands out.

// Sits at the start of every slab; slots follow at the first multiple of the slot alignment.
struct PoolResource::Slab {
  Slab* prev;
  Slab* next;
  void* free_list;  // freed slots, linked through their first 8 bytes
  char* bump;       // first never-used slot
  std::uint32_t used;
  std::uint32_t capacity;
  std::uint32_t class_index;
  bool full;
};

namespace {

template <typename Slab>
void unlink(Slab*& head, Slab* s) noexcept {
  if (s->prev != nullptr)
    s->prev->next = s->next;
  else
    head = s->next;
  if (s->next != nullptr) s->next->prev = s->prev;
  s->prev = s->next = nullptr;
}

template <typename Slab>
void push_front(Slab*& head, Slab* s) noexcept {
  s->prev = nullptr;
  s->next = head;
  if (head != nullptr) head->prev = s;
  head = s;
}

}  // namespace

PoolResource::PoolResource(std::pmr::memory_resource* upstream, PoolOptions options)
    : upstream_(upstream), options_(options) {
  if (upstream_ == nullptr) throw InvalidArgument("PoolResource: upstream is null");
  validate(options_);
  classes_ = size_classes_for(options_.max_slot_bytes);
}

PoolResource::~PoolResource() {
  for (SlabList& list : lists_) {
    for (Slab* head : {list.partial, list.full}) {
      while (head != nullptr) {
        Slab* next = head->next;
        upstream_->deallocate(head, options_.slab_bytes, options_.slab_bytes);
        head = next;
      }
    }
  }
}

void* PoolResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (options_.thread_safe) {
    std::lock_guard lock(mutex_);
    return allocate_unlocked(bytes, alignment);
  }
  return allocate_unlocked(bytes, alignment);
}

void PoolResource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  if (options_.thread_safe) {
    std::lock_guard lock(mutex_);
    deallocate_unlocked(p, bytes, alignment);
  } else {
    deallocate_unlocked(p, bytes, alignment);
  }
}

PoolResource::Slab* PoolResource::new_slab(std::size_t class_index) {
  void* raw = upstream_->allocate(options_.slab_bytes, options_.slab_bytes);
  const std::size_t slot = classes_->slot_bytes(class_index);
  const std::size_t first = align_up(sizeof(Slab), classes_->slot_alignment(class_index));
  auto* slab = static_cast<Slab*>(raw);
  const auto capacity = static_cast<std::uint32_t>((options_.slab_bytes - first) / slot);
  *slab = Slab{nullptr,
               nullptr,
               nullptr,
               static_cast<char*>(raw) + first,
               0,
               capacity,
               static_cast<std::uint32_t>(class_index),
               false};
  push_front(lists_[class_index].partial, slab);
  stats_.reserved_bytes += options_.slab_bytes;
  stats_.slabs += 1;
  stats_.empty_slabs += 1;
  stats_.free_slots += capacity;
  return slab;
}

void* PoolResource::allocate_unlocked(std::size_t bytes, std::size_t alignment) {
  const std::size_t c = classes_->find(bytes, alignment);
  if (c == PoolSizeClasses::kNone) {
    void* p = upstream_->allocate(bytes, alignment);
    stats_.large_bytes += bytes;
    stats_.large_allocations += 1;
    return p;
  }
  SlabList& list = lists_[c];
  Slab* slab = list.partial != nullptr ? list.partial : new_slab(c);
  const std::size_t slot = classes_->slot_bytes(c);
  void* p = nullptr;
  if (slab->free_list != nullptr) {
    p = slab->free_list;
    std::memcpy(&slab->free_list, p, sizeof(void*));
  } else {
    p = slab->bump;
    slab->bump += slot;
  }
  if (slab->used++ == 0) stats_.empty_slabs -= 1;
  if (slab->used == slab->capacity) {
    unlink(list.partial, slab);
    push_front(list.full, slab);
    slab->full = true;
  }
  stats_.free_slots -= 1;
  stats_.used_bytes += slot;
  stats_.requested_bytes += bytes;
  return p;
}

void PoolResource::deallocate_unlocked(void* p, std::size_t bytes, std::size_t alignment) {
  // The same (bytes, alignment) as at allocation maps to the same class (the memory_resource
  // contract), so a large request is recognised without any record of it.
  const std::size_t c = classes_->find(bytes, alignment);
  if (c == PoolSizeClasses::kNone) {
    upstream_->deallocate(p, bytes, alignment);
    stats_.large_bytes -= bytes;
    stats_.large_allocations -= 1;
    return;
  }
  // The slab is slab_bytes-aligned: step back from p by its offset in the slab.
  const std::size_t offset =
      reinterpret_cast<std::uintptr_t>(p) & static_cast<std::uintptr_t>(options_.slab_bytes - 1);
  auto* slab = reinterpret_cast<Slab*>(static_cast<char*>(p) - offset);
  // The free-list link lives in the freed slot itself (every slot is at least 8 bytes).
  std::memcpy(p, &slab->free_list, sizeof(void*));
  slab->free_list = p;
  if (slab->full) {
    SlabList& list = lists_[slab->class_index];
    unlink(list.full, slab);
    push_front(list.partial, slab);
    slab->full = false;
  }
  if (--slab->used == 0) stats_.empty_slabs += 1;
  stats_.free_slots += 1;
  stats_.used_bytes -= classes_->slot_bytes(c);
  stats_.requested_bytes -= bytes;
}

std::size_t PoolResource::release_empty_slabs() {
  if (options_.thread_safe) {
    std::lock_guard lock(mutex_);
    return release_empty_unlocked();
  }
  return release_empty_unlocked();
}

std::size_t PoolResource::release_empty_unlocked() noexcept {
  std::size_t released = 0;
  for (SlabList& list : lists_) {
    Slab* slab = list.partial;
    while (slab != nullptr) {
      Slab* next = slab->next;
      if (slab->used == 0) {
        unlink(list.partial, slab);
        stats_.free_slots -= slab->capacity;
        stats_.empty_slabs -= 1;
        stats_.slabs -= 1;
        stats_.reserved_bytes -= options_.slab_bytes;
        upstream_->deallocate(slab, options_.slab_bytes, options_.slab_bytes);
        released += options_.slab_bytes;
      }
      slab = next;
    }
  }
  return released;
}

PoolStats PoolResource::stats() const {
  if (options_.thread_safe) {
    std::lock_guard lock(mutex_);
    return stats_;
  }
  return stats_;
}

bool PoolResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return this == &other;
}

}  // namespace orchestrix::alloc
