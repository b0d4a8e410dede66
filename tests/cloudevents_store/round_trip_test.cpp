// CloudEvents through the store and back: imported (one event, a batch, JSON lines), exported
// (one event, a stream, a read range, the whole log) and decoded again, every attribute equal.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/cloudevents_store/exporter.hpp"
#include "orchestrix/cloudevents_store/importer.hpp"
#include "orchestrix/event_store.hpp"
#include "store_check.hpp"

using namespace orchestrix;
using namespace orchestrix::cloudevents;

namespace {

// The CloudEvents JSON Event Format 1.0 examples (cloudevents/formats/json-format.md, sections
// 3.2 and 4.3), Copyright the CloudEvents Authors, Apache License 2.0
// (https://www.apache.org/licenses/LICENSE-2.0); the binary ones with real base64 in place of
// the placeholder text.
const std::vector<std::string_view> kSpecExamples = {
    R"({
    "specversion" : "1.0",
    "type" : "com.example.someevent",
    "source" : "/mycontext",
    "id" : "A234-1234-1234",
    "time" : "2018-04-05T17:31:00Z",
    "comexampleextension1" : "value",
    "comexampleothervalue" : 5,
    "datacontenttype" : "application/vnd.apache.thrift.binary",
    "data_base64" : "AAECAwQFBgcICQ=="
})",
    R"({
    "specversion" : "1.0",
    "type" : "com.example.someevent",
    "source" : "/mycontext",
    "id" : "B234-1234-1234",
    "time" : "2018-04-05T17:31:00Z",
    "comexampleextension1" : "value",
    "comexampleothervalue" : 5,
    "unsetextension": null,
    "datacontenttype" : "application/xml",
    "data" : "<much wow=\"xml\"/>"
})",
    R"({
    "specversion" : "1.0",
    "type" : "com.example.someevent",
    "source" : "/mycontext",
    "subject": null,
    "id" : "C234-1234-1234",
    "time" : "2018-04-05T17:31:00Z",
    "comexampleextension1" : "value",
    "comexampleothervalue" : 5,
    "datacontenttype" : "application/json",
    "data" : {
        "appinfoA" : "abc",
        "appinfoB" : 123,
        "appinfoC" : true
    }
})",
    R"({
    "specversion" : "1.0",
    "type" : "com.example.someevent",
    "source" : "/mycontext",
    "subject": null,
    "id" : "C234-1234-1234",
    "time" : "2018-04-05T17:31:00Z",
    "comexampleextension1" : "value",
    "comexampleothervalue" : 5,
    "datacontenttype" : "application/json",
    "data" : 1.5
})",
    R"({
    "specversion" : "1.0",
    "type" : "com.example.someevent",
    "source" : "/mycontext",
    "subject": null,
    "id" : "D234-1234-1234",
    "time" : "2018-04-05T17:31:00Z",
    "comexampleextension1" : "value",
    "comexampleothervalue" : 5,
    "data" : "I'm just a string"
})",
    R"({
    "specversion" : "1.0",
    "type" : "com.example.someevent",
    "source" : "/mycontext",
    "id" : "D234-1234-1234",
    "data_base64" : "eyAieHl6IjogMTIzIH0="
})"};

constexpr std::string_view kSpecBatch = R"([
  {
      "specversion" : "1.0",
      "type" : "com.example.someevent",
      "source" : "/mycontext/4",
      "id" : "B234-1234-1234",
      "time" : "2018-04-05T17:31:00Z",
      "comexampleextension1" : "value",
      "comexampleothervalue" : 5,
      "datacontenttype" : "application/vnd.apache.thrift.binary",
      "data_base64" : "AAECAwQFBgcICQ=="
  },
  {
      "specversion" : "1.0",
      "type" : "com.example.someotherevent",
      "source" : "/mycontext/9",
      "id" : "C234-1234-1234",
      "time" : "2018-04-05T17:31:05Z",
      "comexampleextension1" : "value",
      "comexampleothervalue" : 5,
      "datacontenttype" : "application/json",
      "data" : {
          "appinfoA" : "abc",
          "appinfoB" : 123,
          "appinfoC" : true
      }
  }
])";

std::string_view by_source(const CloudEvent& e) { return e.source; }

// Every attribute kind, one event per line; the stream is the subject (all have one).
const std::vector<std::string> kEveryKind = {
    // Nothing the record's fields do not hold: an empty attribute blob.
    R"({"specversion":"1.0","id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","source":"/s","type":"t","subject":"a","time":"2026-11-27T09:30:00Z","datacontenttype":"application/json","data":{"n":1}})",
    // An upper-case UUID and a non-UUID id are kept as text.
    R"({"specversion":"1.0","id":"0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B","source":"/s","type":"t","subject":"a","time":"2026-11-27T09:30:00.123Z"})",
    R"({"specversion":"1.0","id":"order-17#3","source":"urn:x","type":"t","subject":"a"})",
    // Time precisions and offsets.
    R"({"specversion":"1.0","id":"1","source":"/s","type":"t","subject":"b","time":"2026-11-27T09:30:00.5+02:00"})",
    R"({"specversion":"1.0","id":"2","source":"/s","type":"t","subject":"b","time":"2026-11-27T09:30:00.120Z"})",
    R"({"specversion":"1.0","id":"3","source":"/s","type":"t","subject":"b","time":"2026-11-27T09:30:00.123456789123-00:00"})",
    R"({"specversion":"1.0","id":"4","source":"/s","type":"t","subject":"b","time":"1970-01-01T00:00:00Z"})",
    // dataschema, extensions of each type, data_base64, data null, a JSON string.
    R"({"specversion":"1.0","id":"5","source":"/s","type":"t","subject":"c","dataschema":"https://example.com/s.json","data":null})",
    R"({"specversion":"1.0","id":"6","source":"/s","type":"t","subject":"c","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","count":-2147483648,"flag":true,"off":false})",
    R"({"specversion":"1.0","id":"7","source":"/s","type":"t","subject":"c","datacontenttype":"application/octet-stream","data_base64":"AP8Q"})",
    R"({"specversion":"1.0","id":"8","source":"/s","type":"t","subject":"a","data":"a \"string\"\n"})",
    R"({"specversion":"1.0","id":"9","source":"/s","type":"t","subject":"a","data_base64":""})",
};

std::string lines_of(const std::vector<std::string>& events) {
  std::string text;
  for (const std::string& e : events) text += e + "\n";
  return text;
}

// The decoded events of `json_lines`, grouped by `stream` in order of first appearance, each
// group in input order: what a whole-log export of an import gives back.
std::vector<std::string> grouped(std::string_view json_lines, const StreamFunction& stream) {
  Decoder d;
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>, std::less<>> groups;
  for (const CloudEvent& e : d.decode_lines(json_lines)) {
    std::string s(stream ? stream(e) : e.subject);
    if (!groups.contains(s)) order.push_back(s);
    std::string json;
    append_json(json, e);
    groups[s].push_back(json);
  }
  std::vector<std::string> out;
  for (const std::string& s : order) {
    for (std::string& j : groups[s]) out.push_back(std::move(j));
  }
  return out;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    REQUIRE(nl != std::string_view::npos);
    out.emplace_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  return out;
}

// Each exported line decodes to the same event as the matching original.
void check_same_events(const std::vector<std::string>& exported,
                       const std::vector<std::string>& expected) {
  REQUIRE(exported.size() == expected.size());
  for (std::size_t i = 0; i < exported.size(); ++i) {
    CAPTURE(expected[i]);
    Decoder a;
    Decoder b;
    CHECK(same_event(a.decode_event(exported[i]), b.decode_event(expected[i])));
    CHECK(exported[i] == expected[i]);  // the writer's own form: the same text
  }
}

std::string read_sample() {
  std::ifstream in(ORCHESTRIX_SAMPLE_DIR "/cloudevents.jsonl", std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("the spec's examples go into the store and come back attribute for attribute") {
  EventStore store;
  Importer importer({.stream = by_source});
  Exporter exporter;
  std::vector<std::string> expected;
  for (const std::string_view json : kSpecExamples) {
    const ImportResult r = importer.import_event(store, json);
    CHECK(r.events == 1);
    CHECK(r.streams == 1);
    CHECK(r.written == 1);
    CHECK(r.blob_bytes > 0);  // non-UUID ids, no subject: the blob holds them
    Decoder d;
    std::string out;
    append_json(out, d.decode_event(json));
    expected.push_back(out);
  }
  // As a batch (a JSON array): each event's text exactly as the writer gives it.
  std::string batch;
  CHECK(exporter.append_batch(batch, store.read("/mycontext")) == kSpecExamples.size());
  Decoder d;
  const auto back = d.decode_batch(batch);
  REQUIRE(back.size() == expected.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    std::string json;
    append_json(json, back[i]);
    CHECK(json == expected[i]);
  }
  // The last example, exactly as the spec's JSON means it.
  std::string one;
  exporter.append_json(one, *store.read("/mycontext", 5).begin());
  CHECK(one == R"({"specversion":"1.0","id":"D234-1234-1234","source":"/mycontext",)"
               R"("type":"com.example.someevent","data_base64":"eyAieHl6IjogMTIzIH0="})");
  orchestrix::test::check_store(store);
}

TEST_CASE("JSON lines out: line breaks in data's whitespace become spaces, nothing else changes") {
  EventStore store;
  Importer importer({.stream = by_source});
  importer.import_event(store, kSpecExamples[2]);  // data: an object written over five lines
  Exporter exporter;
  std::string lines;
  CHECK(exporter.append_stream_lines(lines, store, "/mycontext") == 1);
  CHECK(std::count(lines.begin(), lines.end(), '\n') == 1);
  Decoder original;
  CloudEvent e = original.decode_event(kSpecExamples[2]);
  std::string flat(reinterpret_cast<const char*>(e.data.data()), e.data.size());
  CHECK(std::count(flat.begin(), flat.end(), '\n') == 4);
  std::replace(flat.begin(), flat.end(), '\n', ' ');
  CHECK(lines.ends_with(R"("data":)" + flat + "}\n"));
  Decoder d;
  const auto back = d.decode_lines(lines);
  REQUIRE(back.size() == 1);
  CHECK_FALSE(same_event(back[0], e));  // the data's bytes differ in whitespace only
  e.data = back[0].data;
  CHECK(same_event(back[0], e));
}

TEST_CASE("the spec's batch goes to one stream per source and back as a batch") {
  EventStore store;
  Importer importer({.stream = by_source});
  const ImportResult r = importer.import_batch(store, kSpecBatch);
  CHECK(r.events == 2);
  CHECK(r.streams == 2);
  Exporter exporter;
  std::string batch;
  CHECK(exporter.append_batch(batch, store.read_all()) == 2);
  Decoder original;
  Decoder back;
  const auto a = original.decode_batch(kSpecBatch);
  const auto b = back.decode_batch(batch);
  REQUIRE(b.size() == 2);
  CHECK(same_event(a[0], b[0]));
  CHECK(same_event(a[1], b[1]));
  CHECK(b[0].subject.empty());  // no subject came in, none goes out
}

TEST_CASE("every attribute kind survives the store: JSON lines in, each stream and the log out") {
  EventStore store;
  Importer importer;
  const std::string text = lines_of(kEveryKind);
  const ImportResult r = importer.import_lines(store, text);
  CHECK(r.events == kEveryKind.size());
  CHECK(r.streams == 3);
  CHECK(r.written == kEveryKind.size());
  Exporter exporter;
  std::string log;
  CHECK(exporter.append_log_lines(log, store) == kEveryKind.size());
  check_same_events(split_lines(log), grouped(text, {}));
  // Only the first event needs no blob; its UUID is the store's id.
  const EventView first = *store.read("a").begin();
  CHECK(first.attributes().empty());
  CHECK(first.id().to_string() == "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  std::size_t with_blob = 0;
  for (const EventView& e : store.read_all()) with_blob += e.attributes().empty() ? 0 : 1;
  CHECK(with_blob == kEveryKind.size() - 1);
  // A read range from a version, and the log from a position.
  std::string tail;
  CHECK(exporter.append_stream_lines(tail, store, "b", 2) == 2);
  const auto all = split_lines(log);
  CHECK(split_lines(tail) == std::vector<std::string>(all.begin() + 7, all.begin() + 9));
  std::string from;
  CHECK(exporter.append_log_lines(from, store, Position{9}) == 3);
  CHECK(split_lines(from) == std::vector<std::string>(all.begin() + 9, all.end()));
  orchestrix::test::check_store(store);
}

TEST_CASE("a stream function files events away from their subject, which is kept") {
  EventStore store;
  Importer importer({.stream = [](const CloudEvent& e) { return e.type; }});
  const std::string text = lines_of(kEveryKind);
  importer.import_lines(store, text);
  CHECK(store.stream_version("t") == kEveryKind.size() - 1);
  CHECK_FALSE(store.stream_version("a").has_value());
  Exporter exporter;
  std::string out;
  exporter.append_stream_lines(out, store, "t");
  check_same_events(split_lines(out), grouped(text, [](const CloudEvent& e) { return e.type; }));
}

TEST_CASE("events appended without a blob export with their stream as subject") {
  EventStore store;
  const std::string payload = R"({"value":42})";
  EventData e;
  e.type = "BenchmarkEvent";
  e.source = "/bench";
  e.content_type = "application/json";
  e.data = std::as_bytes(std::span<const char>(payload.data(), payload.size()));
  e.id = Uuid::parse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  e.time = Timestamp{1'764'547'200'123'000'000};
  store.append("order-1", {&e, 1});
  Exporter exporter;
  std::string out;
  exporter.append_json(out, *store.read("order-1").begin());
  CHECK(out ==
        R"({"specversion":"1.0","id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","source":"/bench",)"
        R"("type":"BenchmarkEvent","subject":"order-1","time":"2025-12-01T00:00:00.123Z",)"
        R"("datacontenttype":"application/json","data":{"value":42}})");
}

TEST_CASE("the real sample: 329 GitHub webhook events round-trip through the store") {
  const std::string sample = read_sample();
  if (sample.empty()) {
    MESSAGE("data/webhooks/cloudevents.jsonl is absent (run tools/fetch-sample): skipped");
    return;
  }
  alloc::InstrumentedResource memory(alloc::system_resource());
  EventStore store({.memory = &memory});
  Importer importer;
  const ImportResult r = importer.import_lines(store, sample);
  CHECK(r.events == 329);
  CHECK(r.blob_bytes == 0);
  std::uint64_t data_bytes = 0;
  for (const EventView& e : store.read_all()) data_bytes += e.data().size();
  const StoreMemoryStats m = store.memory_stats();
  CHECK(m.total_bytes() == memory.bytes_live());
  MESSAGE("real sample: ", sample.size(), " bytes of JSON lines, ", data_bytes,
          " bytes of data; the store holds ", m.record_bytes, " record bytes, ", m.total_bytes(),
          " bytes in all");
  Exporter exporter;
  std::string log;
  CHECK(exporter.append_log_lines(log, store) == 329);
  check_same_events(split_lines(log), grouped(sample, {}));
  orchestrix::test::check_store(store);
}
