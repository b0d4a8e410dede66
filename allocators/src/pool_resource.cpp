#include "orchestrix/alloc/pool_resource.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>

#include "orchestrix/detail/check.hpp"
#include "orchestrix/detail/invariant.hpp"
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
  ORCHESTRIX_DCHECK_MSG(slab->class_index == c,
                        "deallocate with a size or alignment other than the allocation's");
  ORCHESTRIX_DCHECK_MSG(slab->used > 0, "deallocate of a slot in a slab with no slot in use");
  ORCHESTRIX_DCHECK_MSG(static_cast<char*>(p) < slab->bump &&
                            (reinterpret_cast<std::uintptr_t>(p) -
                             align_up(reinterpret_cast<std::uintptr_t>(slab) + sizeof(Slab),
                                      classes_->slot_alignment(c))) %
                                    classes_->slot_bytes(c) ==
                                0,
                        "deallocate of a pointer that is not a slot this pool handed out");
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

void PoolResource::check_invariants() const {
  if (options_.thread_safe) {
    std::lock_guard lock(mutex_);
    check_invariants_unlocked();
  } else {
    check_invariants_unlocked();
  }
}

void PoolResource::check_invariants_unlocked() const {
  using orchestrix::detail::invariant_violated;
  constexpr std::string_view kWhat = "PoolResource";
  std::uint64_t slabs = 0;
  std::uint64_t empty = 0;
  std::uint64_t free_slots = 0;
  std::uint64_t used_bytes = 0;
  for (std::size_t c = 0; c < kMaxClasses; ++c) {
    const SlabList& list = lists_[c];
    if (c >= classes_->count()) {
      if (list.partial != nullptr || list.full != nullptr) {
        invariant_violated(kWhat, "class ", c, " does not exist but has slabs");
      }
      continue;
    }
    const std::size_t slot = classes_->slot_bytes(c);
    const std::size_t first_offset = align_up(sizeof(Slab), classes_->slot_alignment(c));
    const std::size_t capacity = (options_.slab_bytes - first_offset) / slot;
    for (const bool full_list : {false, true}) {
      const char* list_name = full_list ? "full" : "partial";
      const Slab* prev = nullptr;
      std::uint64_t index = 0;
      for (const Slab* slab = full_list ? list.full : list.partial; slab != nullptr;
           prev = slab, slab = slab->next, ++index) {
        // The slab count bounds the walk: a cycle is reported instead of looping.
        if (++slabs > stats_.slabs) {
          invariant_violated(kWhat, "the slab lists hold more than the ", stats_.slabs,
                             " slabs counted (class ", c, ", ", list_name, " list)");
        }
        const auto base = reinterpret_cast<std::uintptr_t>(slab);
        if (base % options_.slab_bytes != 0) {
          invariant_violated(kWhat, "slab #", index, " of class ", c, " (", list_name,
                             " list) is not aligned to slab_bytes");
        }
        if (slab->prev != prev) {
          invariant_violated(kWhat, "slab #", index, " of class ", c, " (", list_name,
                             " list) has a wrong prev link");
        }
        if (slab->class_index != c || slab->capacity != capacity || slab->full != full_list) {
          invariant_violated(kWhat, "slab #", index, " of class ", c, " (", list_name,
                             " list) says class ", slab->class_index, ", capacity ", slab->capacity,
                             " (expected ", capacity, "), full ", slab->full ? 1 : 0);
        }
        if (full_list ? slab->used != slab->capacity : slab->used >= slab->capacity) {
          invariant_violated(kWhat, "slab #", index, " of class ", c, " (", list_name,
                             " list) has ", slab->used, " of ", slab->capacity, " slots in use");
        }
        const std::uintptr_t first = base + first_offset;
        const auto bump = reinterpret_cast<std::uintptr_t>(slab->bump);
        if (bump < first || bump > first + capacity * slot || (bump - first) % slot != 0) {
          invariant_violated(kWhat, "slab #", index, " of class ", c, " (", list_name,
                             " list) has its bump pointer off the slot grid");
        }
        const std::uint64_t carved = (bump - first) / slot;
        if (slab->used > carved) {
          invariant_violated(kWhat, "slab #", index, " of class ", c, " has ", slab->used,
                             " slots in use but only ", carved, " carved");
        }
        // The free list: carved - used entries, each a carved slot of this slab.
        std::uint64_t length = 0;
        for (const void* entry = slab->free_list; entry != nullptr;) {
          const auto at = reinterpret_cast<std::uintptr_t>(entry);
          if (at < first || at >= bump || (at - first) % slot != 0) {
            invariant_violated(kWhat, "free-list entry #", length, " of slab #", index,
                               " of class ", c, " does not point at a carved slot of the slab");
          }
          if (++length > carved - slab->used) break;
          std::memcpy(&entry, entry, sizeof(void*));
        }
        if (length != carved - slab->used) {
          invariant_violated(kWhat, "slab #", index, " of class ", c, " has ",
                             length > carved - slab->used ? "more than " : "", length,
                             " free-list entries, expected ", carved - slab->used, " (", carved,
                             " carved, ", slab->used, " in use)");
        }
        if (slab->used == 0) ++empty;
        free_slots += slab->capacity - slab->used;
        used_bytes += std::uint64_t{slab->used} * slot;
      }
    }
  }
  if (slabs != stats_.slabs || empty != stats_.empty_slabs || free_slots != stats_.free_slots ||
      used_bytes != stats_.used_bytes) {
    invariant_violated(kWhat, "counters say ", stats_.slabs, " slabs, ", stats_.empty_slabs,
                       " empty, ", stats_.free_slots, " free slots, ", stats_.used_bytes,
                       " bytes used; the slabs hold ", slabs, ", ", empty, ", ", free_slots, ", ",
                       used_bytes);
  }
  if (stats_.reserved_bytes != slabs * options_.slab_bytes) {
    invariant_violated(kWhat, "reserved_bytes is ", stats_.reserved_bytes, " for ", slabs,
                       " slabs of ", options_.slab_bytes, " bytes");
  }
  if (stats_.requested_bytes > stats_.used_bytes) {
    invariant_violated(kWhat, "requested_bytes ", stats_.requested_bytes,
                       " exceeds the slot bytes in use ", stats_.used_bytes);
  }
}

bool PoolResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return this == &other;
}

}  // namespace orchestrix::alloc
