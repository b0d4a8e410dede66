#include "index/intern_table.hpp"

#include <cstring>
#include <functional>
#include <mutex>

#include "orchestrix/errors.hpp"

namespace orchestrix::detail {

InternTable::InternTable(std::pmr::memory_resource* memory)
    : memory_(memory), strings_(memory), shapes_(memory) {}

InternTable::~InternTable() {
  for (auto& chunk : dir_) {
    if (Shape* c = chunk.load(std::memory_order_relaxed)) {
      memory_->deallocate(c, sizeof(Shape) * kChunkShapes, alignof(Shape));
    }
  }
  for (std::string_view s : strings_) {
    memory_->deallocate(const_cast<char*>(s.data()), s.empty() ? 1 : s.size(), 1);
  }
}

std::size_t InternTable::ShapeHash::operator()(const Shape& s) const noexcept {
  std::hash<std::string_view> h;
  std::size_t x = h(s.type);
  x = x * 31 + h(s.source);
  return x * 31 + h(s.content_type);
}

std::optional<std::uint32_t> InternTable::find(const Shape& s) const {
  const std::uint32_t recent = recent_.load(std::memory_order_acquire);
  if (recent != kNoShape && ShapeEq{}(shape(recent), s)) return recent;
  std::shared_lock lock(mu_);
  auto it = shapes_.find(s);
  if (it == shapes_.end()) return std::nullopt;
  // Under the lock: shape(id) is complete (written before the lock of intern() was released).
  if (it->second != recent) recent_.store(it->second, std::memory_order_release);
  return it->second;
}

std::string_view InternTable::intern_string_locked(std::string_view s) {
  auto it = strings_.find(s);
  if (it != strings_.end()) return *it;
  auto* copy = static_cast<char*>(memory_->allocate(s.empty() ? 1 : s.size(), 1));
  if (!s.empty()) std::memcpy(copy, s.data(), s.size());
  std::string_view stored(copy, s.size());
  try {
    strings_.insert(stored);
  } catch (...) {
    memory_->deallocate(copy, s.empty() ? 1 : s.size(), 1);
    throw;
  }
  return stored;
}

std::string_view InternTable::intern_string(std::string_view s) {
  {
    std::shared_lock lock(mu_);
    auto it = strings_.find(s);
    if (it != strings_.end()) return *it;
  }
  std::unique_lock lock(mu_);
  return intern_string_locked(s);
}

std::uint32_t InternTable::intern(const Shape& s) {
  if (auto id = find(s)) return *id;
  std::unique_lock lock(mu_);
  if (auto it = shapes_.find(s); it != shapes_.end()) return it->second;
  if (count_ == kMaxShapes) {
    throw InvalidArgument(
        "too many distinct (type, source, content type) combinations: the "
        "store holds at most 65536");
  }
  const std::uint32_t id = count_;
  Shape* chunk = dir_[id / kChunkShapes].load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunk = static_cast<Shape*>(memory_->allocate(sizeof(Shape) * kChunkShapes, alignof(Shape)));
    for (std::uint32_t i = 0; i < kChunkShapes; ++i) new (chunk + i) Shape{};
    dir_[id / kChunkShapes].store(chunk, std::memory_order_release);
  }
  // Strings added here stay even if a later step fails: they are only a cache.
  Shape stored{intern_string_locked(s.type), intern_string_locked(s.source),
               intern_string_locked(s.content_type)};
  shapes_.emplace(stored, id);  // strong guarantee: nothing else changed yet if this throws
  chunk[id % kChunkShapes] = stored;
  // Readers find shape `id` only through records published after this point (release by the
  // log's publish), and through the acquire load of the directory above.
  count_ = id + 1;
  recent_.store(id, std::memory_order_release);
  return id;
}

std::uint32_t InternTable::shape_count() const noexcept {
  std::shared_lock lock(mu_);
  return count_;
}

}  // namespace orchestrix::detail
