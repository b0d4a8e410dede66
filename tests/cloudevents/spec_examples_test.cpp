// The examples of the CloudEvents JSON Event Format 1.0 (cloudevents/formats/json-format.md,
// sections 3.2 and 4.3), copied verbatim. The CloudEvents specification is
// Copyright the CloudEvents Authors, licensed under the Apache License 2.0
// (https://www.apache.org/licenses/LICENSE-2.0).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/cloudevents/writer.hpp"

using namespace orchestrix::cloudevents;

namespace {

std::string_view text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Writes the event and parses it again: every attribute must come back.
void check_rewrites(const CloudEvent& e) {
  std::string json;
  append_json(json, e);
  Decoder again;
  CHECK(same_event(again.decode_event(json), e));
}

constexpr std::string_view kXmlData = R"({
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
})";

constexpr std::string_view kJsonObjectData = R"({
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
})";

constexpr std::string_view kJsonNumberData = R"({
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
})";

constexpr std::string_view kJsonStringData = R"({
    "specversion" : "1.0",
    "type" : "com.example.someevent",
    "source" : "/mycontext",
    "subject": null,
    "id" : "D234-1234-1234",
    "time" : "2018-04-05T17:31:00Z",
    "comexampleextension1" : "value",
    "comexampleothervalue" : 5,
    "data" : "I'm just a string"
})";

constexpr std::string_view kBase64Data = R"({
    "specversion" : "1.0",
    "type" : "com.example.someevent",
    "source" : "/mycontext",
    "id" : "D234-1234-1234",
    "data_base64" : "eyAieHl6IjogMTIzIH0="
})";

// The first example (and the batch's first event) carries a placeholder instead of base64.
constexpr std::string_view kBinaryPlaceholder = R"({
    "specversion" : "1.0",
    "type" : "com.example.someevent",
    "source" : "/mycontext",
    "id" : "A234-1234-1234",
    "time" : "2018-04-05T17:31:00Z",
    "comexampleextension1" : "value",
    "comexampleothervalue" : 5,
    "datacontenttype" : "application/vnd.apache.thrift.binary",
    "data_base64" : "... base64 encoded string ..."
})";

constexpr std::string_view kBatch = R"([
  {
      "specversion" : "1.0",
      "type" : "com.example.someevent",
      "source" : "/mycontext/4",
      "id" : "B234-1234-1234",
      "time" : "2018-04-05T17:31:00Z",
      "comexampleextension1" : "value",
      "comexampleothervalue" : 5,
      "datacontenttype" : "application/vnd.apache.thrift.binary",
      "data_base64" : "... base64 encoded string ..."
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

}  // namespace

TEST_CASE("spec example: XML text as a JSON string, an unset (null) extension") {
  Decoder d;
  const CloudEvent& e = d.decode_event(kXmlData);
  CHECK(e.id == "B234-1234-1234");
  CHECK(e.source == "/mycontext");
  CHECK(e.type == "com.example.someevent");
  CHECK(e.subject.empty());
  REQUIRE(e.time.has_value());
  CHECK(e.time->unix_nanos() == 1'522'949'460'000'000'000);
  CHECK(e.datacontenttype == "application/xml");
  CHECK(e.data_kind == DataKind::kJson);
  CHECK(text(e.data) == R"("<much wow=\"xml\"/>")");
  REQUIRE(e.extensions.size() == 2);  // "unsetextension": null is absent
  CHECK(e.extensions[0].name == "comexampleextension1");
  CHECK(e.extensions[0].type == ExtensionType::kString);
  CHECK(e.extensions[0].string == "value");
  CHECK(e.extensions[1].name == "comexampleothervalue");
  CHECK(e.extensions[1].type == ExtensionType::kInteger);
  CHECK(e.extensions[1].integer == 5);
  check_rewrites(e);
}

TEST_CASE("spec example: JSON object data is kept byte for byte, whitespace included") {
  Decoder d;
  const CloudEvent& e = d.decode_event(kJsonObjectData);
  CHECK(e.subject.empty());
  CHECK(text(e.data) == R"({
        "appinfoA" : "abc",
        "appinfoB" : 123,
        "appinfoC" : true
    })");
  check_rewrites(e);
}

TEST_CASE("spec example: JSON number and JSON string data") {
  Decoder d;
  CHECK(text(d.decode_event(kJsonNumberData).data) == "1.5");
  check_rewrites(d.decode_event(kJsonNumberData));
  const CloudEvent& s = d.decode_event(kJsonStringData);
  CHECK(s.datacontenttype.empty());
  CHECK(text(s.data) == R"("I'm just a string")");
  check_rewrites(s);
}

TEST_CASE("spec example: data_base64 is decoded to bytes and written back as base64") {
  Decoder d;
  const CloudEvent& e = d.decode_event(kBase64Data);
  CHECK(e.data_kind == DataKind::kBinary);
  CHECK(text(e.data) == R"({ "xyz": 123 })");
  CHECK_FALSE(e.time.has_value());
  std::string out;
  append_json(out, e);
  CHECK(out == R"({"specversion":"1.0","id":"D234-1234-1234","source":"/mycontext",)"
               R"("type":"com.example.someevent","data_base64":"eyAieHl6IjogMTIzIH0="})");
}

TEST_CASE("spec example: the placeholder in data_base64 is not base64") {
  Decoder d;
  try {
    d.decode_event(kBinaryPlaceholder);
    FAIL("expected a FormatError");
  } catch (const FormatError& e) {
    CHECK(e.problem() == Problem::kInvalidBase64);
    CHECK(e.attribute() == "data_base64");
  }
}

TEST_CASE("spec example: a batch, with the placeholder replaced by real base64") {
  std::string batch(kBatch);
  const std::string placeholder = "... base64 encoded string ...";
  batch.replace(batch.find(placeholder), placeholder.size(), "AAECAw==");
  Decoder d;
  const auto events = d.decode_batch(batch);
  REQUIRE(events.size() == 2);
  CHECK(events[0].source == "/mycontext/4");
  CHECK(events[0].data_kind == DataKind::kBinary);
  CHECK(events[0].data.size() == 4);
  CHECK(events[1].type == "com.example.someotherevent");
  CHECK(events[1].time->unix_nanos() == 1'522'949'465'000'000'000);
  std::string out;
  append_batch(out, events);
  Decoder again;
  const auto back = again.decode_batch(out);
  REQUIRE(back.size() == 2);
  CHECK(same_event(back[0], events[0]));
  CHECK(same_event(back[1], events[1]));
  CHECK_THROWS_AS(d.decode_batch(kBatch), FormatError);
}
