// Helpers shared by the engine tests: building EventData and copying views into owned values.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"

namespace orchestrix::test {

inline std::span<const std::byte> bytes_of(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

// prefix + decimal i, built without std::string concatenation (g++ 12 -O3 reports a false
// -Wrestrict on `std::string + std::string`).
inline std::string numbered(std::string_view prefix, std::uint64_t i) {
  char buf[1100];
  const std::size_t n = std::min(prefix.size(), sizeof(buf) - 21);
  std::memcpy(buf, prefix.data(), n);
  auto [end, ec] = std::to_chars(buf + n, buf + sizeof(buf), i);
  (void)ec;
  return std::string(buf, static_cast<std::size_t>(end - buf));
}

inline std::string text_of(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// Owns the strings an EventData points at.
struct OwnedEventData {
  std::string type = "Type";
  std::string data;
  std::string source;
  std::string content_type;
  std::optional<Uuid> id;
  std::optional<Timestamp> time;
  std::optional<Uuid> correlation_id;
  std::optional<Uuid> causation_id;

  EventData view() const {
    EventData e;
    e.type = type;
    e.data = bytes_of(data);
    e.id = id;
    e.source = source;
    e.time = time;
    e.content_type = content_type;
    e.correlation_id = correlation_id;
    e.causation_id = causation_id;
    return e;
  }
};

// A copy of everything an EventView shows.
struct OwnedEvent {
  std::string stream;
  std::uint64_t version = 0;
  std::uint64_t position = 0;
  Uuid id;
  std::string type, source, content_type, data;
  std::int64_t time = 0;
  std::optional<Uuid> correlation_id, causation_id;

  static OwnedEvent of(const EventView& v) {
    return OwnedEvent{std::string(v.stream()),
                      v.version(),
                      v.position().value,
                      v.id(),
                      std::string(v.type()),
                      std::string(v.source()),
                      std::string(v.content_type()),
                      text_of(v.data()),
                      v.time().unix_nanos(),
                      v.correlation_id(),
                      v.causation_id()};
  }
  friend bool operator==(const OwnedEvent&, const OwnedEvent&) = default;
};

// A batch of simple events with payloads "<prefix>0", "<prefix>1", ...
struct Batch {
  std::vector<OwnedEventData> owned;
  std::vector<EventData> events;

  explicit Batch(std::size_t n, std::string_view prefix = "e", bool with_ids = false) {
    owned.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      owned[i].data = numbered(prefix, i);
      if (with_ids) owned[i].id = Uuid::v4();
    }
    rebuild();
  }
  void rebuild() {
    events.clear();
    for (const auto& o : owned) events.push_back(o.view());
  }
  std::span<const EventData> span() const { return events; }
};

inline std::vector<OwnedEvent> read_stream(const EventStore& store, std::string_view stream,
                                           std::uint64_t from = 0) {
  std::vector<OwnedEvent> out;
  for (const EventView& e : store.read(stream, from)) out.push_back(OwnedEvent::of(e));
  return out;
}

inline std::vector<OwnedEvent> read_everything(const EventStore& store, Position from = {}) {
  std::vector<OwnedEvent> out;
  for (const EventView& e : store.read_all(from)) out.push_back(OwnedEvent::of(e));
  return out;
}

}  // namespace orchestrix::test
