// What the attribute blob costs per event in the store, exactly: the same events imported with
// and without attributes the record fields do not hold differ by the blob bytes plus one length
// byte per event (blobs under 128 bytes), and by nothing else.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/cloudevents_store/importer.hpp"
#include "orchestrix/event_store.hpp"

using namespace orchestrix;
using namespace orchestrix::cloudevents;

namespace {

constexpr int kEvents = 1000;

// Three fraction digits of a non-zero millisecond: the canonical form, no blob bytes.
std::string millis(int i) {
  char m[4];
  std::snprintf(m, sizeof(m), "%03d", i % 999 + 1);
  return m;
}

// kEvents events to stream "orders"; `extra` adds a non-UUID id and a trace extension.
std::string events(bool extra) {
  std::string text;
  for (int i = 0; i < kEvents; ++i) {
    char uuid[37];
    std::snprintf(uuid, sizeof(uuid), "0190a1b2-c3d4-7e5f-8a9b-%012d", i);
    char order[11];
    std::snprintf(order, sizeof(order), "order-%04d", i);  // 10 characters
    text += R"({"specversion":"1.0","id":")" + std::string(extra ? order : uuid) +
            R"(","source":"/shop","type":"order.placed","subject":"orders",)"
            R"("time":"2026-11-27T09:30:00.)" +
            millis(i) + R"(Z","datacontenttype":"application/json",)";
    if (extra) {
      // 55 characters.
      text += R"("traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",)";
    }
    text += R"("data":{"order":)" + std::to_string(i) + "}}\n";
  }
  return text;
}

struct Held {
  std::uint64_t records = 0;
  std::uint64_t slack = 0;  // unfilled tail of the newest segment
  std::uint64_t total = 0;
  std::uint64_t resource = 0;
  std::uint64_t blob = 0;
};

Held import(const std::string& text) {
  alloc::InstrumentedResource memory(alloc::system_resource());
  EventStore store({.memory = &memory});
  Importer importer;
  const ImportResult r = importer.import_lines(store, text);
  const StoreMemoryStats m = store.memory_stats();
  CHECK(m.total_bytes() == memory.bytes_live());
  return {m.record_bytes, m.segment_slack_bytes, m.total_bytes(), memory.bytes_live(),
          r.blob_bytes};
}

}  // namespace

TEST_CASE("a blob costs its bytes plus one length byte per event, nothing when empty") {
  const Held plain = import(events(false));
  const Held extra = import(events(true));
  CHECK(plain.blob == 0);
  // Per event: id entry 1 + 1 + 10, extension entry 1 + 1 + 11 ("traceparent") + 1 + 55.
  constexpr std::uint64_t kBlob = 12 + 69;
  CHECK(extra.blob == kBlob * kEvents);
  CHECK(extra.records - plain.records == (kBlob + 1) * kEvents);
  // The records are all that grows (both fit one segment: its slack pays for them); every other
  // category is the same.
  CHECK(extra.total - extra.records - extra.slack == plain.total - plain.records - plain.slack);
  CHECK(extra.resource == extra.total);
}
