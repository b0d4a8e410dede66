// The hand-written map peer of bench_store: unordered_map<string, vector<Event>> with
// std::string fields and one mutex around everything, as such in-process stores usually are.
// Its bytes are counted by a counting allocator (g_map_peer_bytes: every live map peer's bytes,
// so a scenario keeps one peer alive when it reports).
//
// Thread safety: every member function takes the one mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "orchestrix/event.hpp"

namespace orchestrix::bench {

inline std::atomic<std::int64_t> g_map_peer_bytes{0};

template <class T>
struct CountingAllocator {
  using value_type = T;
  CountingAllocator() noexcept = default;
  template <class U>
  CountingAllocator(const CountingAllocator<U>& /*other*/) noexcept {}
  T* allocate(std::size_t n) {
    g_map_peer_bytes.fetch_add(static_cast<std::int64_t>(n * sizeof(T)), std::memory_order_relaxed);
    return std::allocator<T>{}.allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    g_map_peer_bytes.fetch_sub(static_cast<std::int64_t>(n * sizeof(T)), std::memory_order_relaxed);
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const CountingAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

using MapString = std::basic_string<char, std::char_traits<char>, CountingAllocator<char>>;

struct MapEvent {
  MapString id;  // canonical 36-character text, as a typical store keeps it
  MapString type;
  MapString source;
  MapString content_type;
  MapString data;
  std::int64_t time = 0;
  std::uint64_t version = 0;
  std::uint64_t position = 0;
};

struct MapStringHash {
  std::size_t operator()(const MapString& s) const noexcept {
    return std::hash<std::string_view>{}(std::string_view(s));
  }
};

class MapStore {
 public:
  using Events = std::vector<MapEvent, CountingAllocator<MapEvent>>;

  void append(std::string_view stream, std::span<const EventData> events) {
    std::lock_guard lock(mu_);
    auto& v = streams_[MapString(stream)];
    for (const EventData& e : events) {
      MapEvent p;
      char id[36];
      (e.id ? *e.id : Uuid::v4()).write_to(id);
      p.id.assign(id, 36);
      p.type.assign(e.type);
      p.source.assign(e.source);
      p.content_type.assign(e.content_type);
      p.data.assign(reinterpret_cast<const char*>(e.data.data()), e.data.size());
      p.time = e.time ? e.time->unix_nanos() : Timestamp::now().unix_nanos();
      p.version = v.size();
      p.position = next_position_++;
      v.push_back(std::move(p));
    }
  }
  // Copies the events out, as a typical load() returning a vector does.
  Events load(std::string_view stream, std::uint64_t from = 0) const {
    std::lock_guard lock(mu_);
    auto it = streams_.find(MapString(stream));
    if (it == streams_.end() || from >= it->second.size()) return {};
    return {it->second.begin() + static_cast<std::ptrdiff_t>(from), it->second.end()};
  }
  std::uint64_t events() const {
    std::lock_guard lock(mu_);
    return next_position_;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<MapString, Events, MapStringHash, std::equal_to<>,
                     CountingAllocator<std::pair<const MapString, Events>>>
      streams_;
  std::uint64_t next_position_ = 0;
};

// Snapshots: a map of stream -> (version, state) strings under a mutex of its own.
class MapSnapshots {
 public:
  void save(std::string_view stream, std::uint64_t version, const std::string& state) {
    std::lock_guard lock(mu_);
    map_[std::string(stream)] = {version, state};
  }
  std::pair<std::uint64_t, std::string> load(std::string_view stream) const {
    std::lock_guard lock(mu_);
    return map_.find(std::string(stream))->second;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::pair<std::uint64_t, std::string>> map_;
};

}  // namespace orchestrix::bench
