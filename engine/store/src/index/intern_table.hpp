// Internal: interned strings and "shapes" — the (type, source, content type) triple of an
// event, stored once and named in every record by a small integer (usually one varint byte).
//
// Thread safety: intern()/find()/intern_string() take an internal shared_mutex (exclusive only
// when something new is added; find() and intern() not at all for the shape found last).
// shape(id) is lock-free: shapes live in fixed chunks that are never moved, published with
// release ordering before their id can appear in any record.
// Memory: everything from the resource given at construction (the "interned" category).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace orchestrix::detail {

struct Shape {
  std::string_view type;
  std::string_view source;
  std::string_view content_type;
};

class InternTable {
 public:
  static constexpr std::uint32_t kChunkShapes = 256;
  static constexpr std::uint32_t kMaxShapes = 256 * kChunkShapes;  // 65,536

  explicit InternTable(std::pmr::memory_resource* memory);
  ~InternTable();
  InternTable(const InternTable&) = delete;
  InternTable& operator=(const InternTable&) = delete;

  // The id of the shape, added if new. Throws InvalidArgument when kMaxShapes are in use,
  // std::bad_alloc from the resource (the table is unchanged then).
  std::uint32_t intern(const Shape& s);
  // The id of an existing shape, without allocating. The shape found last is remembered: when
  // the next call asks for it again (the usual case: one event type after another), it is
  // compared by content and returned without taking the lock or hashing.
  std::optional<std::uint32_t> find(const Shape& s) const;
  // A stable copy of `s` (valid until the table is destroyed).
  std::string_view intern_string(std::string_view s);

  const Shape& shape(std::uint32_t id) const noexcept {
    return dir_[id / kChunkShapes].load(std::memory_order_acquire)[id % kChunkShapes];
  }
  std::uint32_t shape_count() const noexcept;

 private:
  struct ShapeHash {
    std::size_t operator()(const Shape& s) const noexcept;
  };
  struct ShapeEq {
    bool operator()(const Shape& a, const Shape& b) const noexcept {
      return a.type == b.type && a.source == b.source && a.content_type == b.content_type;
    }
  };

  std::string_view intern_string_locked(std::string_view s);

  std::pmr::memory_resource* memory_;
  mutable std::shared_mutex mu_;
  std::pmr::unordered_set<std::string_view> strings_;
  std::pmr::unordered_map<Shape, std::uint32_t, ShapeHash, ShapeEq> shapes_;
  std::uint32_t count_ = 0;
  std::array<std::atomic<Shape*>, kMaxShapes / kChunkShapes> dir_{};
  // Id of the shape found or added last, kNoShape before the first. Stored with release after
  // the shape is readable through shape(id), loaded with acquire.
  static constexpr std::uint32_t kNoShape = ~std::uint32_t{0};
  mutable std::atomic<std::uint32_t> recent_{kNoShape};
};

}  // namespace orchestrix::detail
