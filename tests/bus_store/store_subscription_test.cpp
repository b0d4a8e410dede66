#include "orchestrix/bus/store_subscription.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"

using namespace orchestrix;
using namespace orchestrix::bus;

namespace {

// Appends one event with payload `text` to `stream`.
void append(EventStore& store, const std::string& stream, std::string_view text,
            std::string_view type = "Appended") {
  EventData e;
  e.type = type;
  e.data = std::as_bytes(std::span<const char>(text.data(), text.size()));
  e.source = "/tests";
  store.append(stream, std::span<const EventData>(&e, 1));
}

std::string stream_name(int i) {
  std::string s = "agg-";
  s += std::to_string(i);
  return s;
}

// Records what a bus handler received (handlers run on the subscription's thread).
struct Recorder {
  std::mutex mutex;
  std::vector<std::uint64_t> positions;
  std::vector<std::string> streams;
  std::vector<std::uint64_t> versions;
  void add(const Envelope<StoredEvent>& m) {
    std::lock_guard lock(mutex);
    positions.push_back(m.body.position.value);
    streams.push_back(m.body.stream);
    versions.push_back(m.body.version);
  }
};

}  // namespace

TEST_CASE(
    "a store subscription catches up from the start and then delivers live appends in order") {
  EventStore store;
  for (int i = 0; i < 30; ++i) append(store, stream_name(i % 3), "old");
  MessageBus bus;
  Recorder rec;
  auto s = bus.subscribe<StoredEvent>([&](const Envelope<StoredEvent>& m) { rec.add(m); });
  StoreSubscription feed(store, bus);
  REQUIRE(feed.wait_until_delivered(Position{29}));
  std::thread writer([&] {
    for (int i = 0; i < 20; ++i) append(store, stream_name(i % 4), "new");
  });
  writer.join();
  REQUIRE(feed.wait_until_delivered(Position{49}));
  feed.stop();
  std::lock_guard lock(rec.mutex);
  REQUIRE(rec.positions.size() == 50);
  for (std::size_t i = 0; i < rec.positions.size(); ++i) CHECK(rec.positions[i] == i);
  CHECK(feed.caught_up());
  CHECK(feed.position() == Position{50});
  CHECK_FALSE(feed.error());
}

TEST_CASE("a store subscription starts at the requested position") {
  EventStore store;
  for (int i = 0; i < 10; ++i) append(store, "agg-1", "x");
  MessageBus bus;
  Recorder rec;
  auto s = bus.subscribe<StoredEvent>([&](const Envelope<StoredEvent>& m) { rec.add(m); });
  StoreSubscription feed(store, bus, {.from = Position{7}});
  REQUIRE(feed.wait_until_delivered(Position{9}));
  feed.stop();
  CHECK(rec.positions == std::vector<std::uint64_t>{7, 8, 9});
  CHECK(rec.versions == std::vector<std::uint64_t>{7, 8, 9});
}

TEST_CASE("a delivered store event carries the stored event's metadata and payload") {
  EventStore store;
  EventData e;
  const std::string payload = "{\"value\":1}";
  e.type = "OrderPlaced";
  e.data = std::as_bytes(std::span<const char>(payload.data(), payload.size()));
  e.source = "/orders";
  e.content_type = "application/json";
  e.id = Uuid::v4();
  e.correlation_id = Uuid::v4();
  store.append("order-9", std::span<const EventData>(&e, 1));
  MessageBus bus;
  std::optional<Envelope<StoredEvent>> got;
  auto s = bus.subscribe<StoredEvent>([&](const Envelope<StoredEvent>& m) { got = m; });
  StoreSubscription feed(store, bus);
  REQUIRE(feed.wait_until_delivered(Position{0}));
  feed.stop();
  REQUIRE(got.has_value());
  CHECK(got->metadata.id == *e.id);
  CHECK(got->metadata.type.text() == "OrderPlaced");
  CHECK(got->metadata.source.text() == "/orders");
  CHECK(got->metadata.content_type.text() == "application/json");
  CHECK(got->metadata.subject == "order-9");
  CHECK(got->metadata.correlation_id == e.correlation_id);
  CHECK(got->body.stream == "order-9");
  CHECK(got->body.version == 0);
  const std::string data(reinterpret_cast<const char*>(got->body.data.data()),
                         got->body.data.size());
  CHECK(data == payload);
}

TEST_CASE("when every handler fails a store subscription stops on that event by default") {
  EventStore store;
  for (int i = 0; i < 10; ++i) append(store, "agg-1", "x");
  MessageBus bus;
  auto s = bus.subscribe<StoredEvent>([](const Envelope<StoredEvent>& m) {
    if (m.body.position.value == 5) throw std::runtime_error("projection failed");
  });
  StoreSubscription feed(store, bus);
  CHECK_FALSE(feed.wait_until_delivered(Position{9}));
  CHECK(feed.position() == Position{5});
  REQUIRE(feed.error());
  CHECK_THROWS_AS(std::rethrow_exception(feed.error()), HandlerError);
}

TEST_CASE(
    "with the kDeadLetter policy a failing event becomes a dead letter and delivery goes on") {
  EventStore store;
  for (int i = 0; i < 10; ++i) append(store, "agg-1", "x");
  MessageBus bus;
  auto s = bus.subscribe<StoredEvent>([](const Envelope<StoredEvent>& m) {
    if (m.body.position.value == 5) throw std::runtime_error("projection failed");
  });
  StoreSubscription feed(store, bus, {.on_all_failed = AllFailedPolicy::kDeadLetter});
  REQUIRE(feed.wait_until_delivered(Position{9}));
  feed.stop();
  REQUIRE(bus.dead_letters().size() == 1);
  CHECK(bus.dead_letters().pop()->message<StoredEvent>()->body.position == Position{5});
}

TEST_CASE("a stopped store subscription delivers nothing more") {
  EventStore store;
  append(store, "agg-1", "x");
  MessageBus bus;
  Recorder rec;
  auto s = bus.subscribe<StoredEvent>([&](const Envelope<StoredEvent>& m) { rec.add(m); });
  StoreSubscription feed(store, bus);
  REQUIRE(feed.wait_until_delivered(Position{0}));
  feed.stop();
  feed.stop();  // idempotent
  append(store, "agg-1", "y");
  CHECK(rec.positions.size() == 1);
  CHECK_FALSE(feed.wait_until_delivered(Position{1}));
}

TEST_CASE("stop called from a handler on the subscription's own thread throws UsageError") {
  EventStore store;
  MessageBus bus;
  std::atomic<StoreSubscription*> self{nullptr};
  std::atomic<bool> threw{false};
  auto s = bus.subscribe<StoredEvent>([&](const StoredEvent&) {
    try {
      self.load()->stop();
    } catch (const UsageError&) {
      threw.store(true);
    }
  });
  StoreSubscription feed(store, bus);
  self.store(&feed);
  append(store, "agg-1", "x");  // appended after `self` is set: the handler finds it
  REQUIRE(feed.wait_until_delivered(Position{0}));
  CHECK(threw.load());
  feed.stop();
}

TEST_CASE(
    "events appended by concurrent writers reach the bus in global order, each stream in version "
    "order") {
  EventStore store;
  MessageBus bus;
  Recorder rec;
  auto s = bus.subscribe<StoredEvent>([&](const Envelope<StoredEvent>& m) { rec.add(m); });
  StoreSubscription feed(store, bus);
  constexpr int kPerWriter = 300;
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) append(store, stream_name(w * 10 + i % 5), "e");
    });
  }
  for (auto& t : writers) t.join();
  REQUIRE(feed.wait_until_delivered(Position{2 * kPerWriter - 1}));
  feed.stop();
  REQUIRE(rec.positions.size() == 2 * kPerWriter);
  std::map<std::string, std::uint64_t> next_version;
  for (std::size_t i = 0; i < rec.positions.size(); ++i) {
    CHECK(rec.positions[i] == i);
    CHECK(rec.versions[i] == next_version[rec.streams[i]]++);
  }
}
