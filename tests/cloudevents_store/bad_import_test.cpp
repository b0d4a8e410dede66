// A table of bad events imported as JSON lines: each is rejected with its problem, attribute
// and line named, and the store stays exactly as it was (nothing of the input appended).
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/cloudevents_store/importer.hpp"
#include "orchestrix/event_store.hpp"
#include "store_check.hpp"

using namespace orchestrix;
using namespace orchestrix::cloudevents;

namespace {

struct BadEvent {
  std::string json;
  Problem problem;
  std::string attribute;
};

std::string event(std::string_view members) {
  return R"({"specversion":"1.0","id":"x","source":"/s","type":"t","subject":"bad")" +
         std::string(members) + "}";
}

const std::string kLong(1025, 'x');

std::vector<BadEvent> bad_events() {
  return {
      // The codec's checks.
      {R"({"specversion":"1.0","source":"/s","type":"t","subject":"bad"})",
       Problem::kMissingAttribute, "id"},
      {event(R"(,"time":"2026-02-30T00:00:00Z")"), Problem::kBadTime, "time"},
      {event(R"(,"data_base64":"abc")"), Problem::kInvalidBase64, "data_base64"},
      {event(R"(,"count":1.5)"), Problem::kWrongType, "count"},
      {event(R"(,"Bad-Name":"v")"), Problem::kBadAttributeName, "Bad-Name"},
      {event(R"(,"data":{"a":1},"data_base64":"AA==")"), Problem::kDataConflict, "data_base64"},
      {event(R"(,"data":{"a":)"), Problem::kMalformedJson, "data"},
      // The stream rule: no subject and no stream function.
      {R"({"specversion":"1.0","id":"x","source":"/s","type":"t","data":1})",
       Problem::kMissingAttribute, "subject"},
      {R"({"specversion":"1.0","id":"x","source":"/s","type":"t","subject":null})",
       Problem::kMissingAttribute, "subject"},
      // The store's limits, checked before anything is appended.
      {R"({"specversion":"1.0","id":"x","source":"/s","type":"t","subject":")" + kLong + "\"}",
       Problem::kBadValue, "subject"},
      {R"({"specversion":"1.0","id":"x","source":"/s","subject":"bad","type":")" +
           std::string(256, 't') + "\"}",
       Problem::kBadValue, "type"},
      {R"({"specversion":"1.0","id":"x","type":"t","subject":"bad","source":"/)" + kLong + "\"}",
       Problem::kBadValue, "source"},
      {event(R"(,"datacontenttype":")" + std::string(256, 'c') + "\""), Problem::kBadValue,
       "datacontenttype"},
      {event(R"(,"data":")" + std::string(2000, 'd') + "\""), Problem::kBadValue, "data"},
      {event(R"(,"data_base64":")" + std::string(2000, 'A') + "\""), Problem::kBadValue,
       "data_base64"},
      {event(R"(,"big":")" + std::string(70'000, 'v') + "\""), Problem::kBadValue, "big"},
  };
}

// Two good events (one to a stream that exists, one to a new stream), a blank line, the bad
// event on line 4, and a good one after it.
std::string input_with(const std::string& bad) {
  return R"({"specversion":"1.0","id":"a","source":"/s","type":"t","subject":"existing"})"
         "\n"
         R"({"specversion":"1.0","id":"b","source":"/s","type":"t","subject":"new"})"
         "\n  \n" +
         bad + "\n" + R"({"specversion":"1.0","id":"c","source":"/s","type":"t","subject":"new"})" +
         "\n";
}

}  // namespace

TEST_CASE("each bad event is named by problem, attribute and line, and nothing is appended") {
  alloc::InstrumentedResource memory(alloc::system_resource());
  EventStore store({.memory = &memory});
  Importer importer({.max_payload_bytes = 1000});
  importer.import_event(
      store, R"({"specversion":"1.0","id":"0","source":"/s","type":"t","subject":"existing"})");
  const std::uint64_t bytes = memory.bytes_live();
  for (const BadEvent& bad : bad_events()) {
    CAPTURE(bad.json.substr(0, 120));
    const std::string text = input_with(bad.json);
    try {
      importer.import_lines(store, text);
      FAIL("accepted");
    } catch (const FormatError& e) {
      CHECK(e.problem() == bad.problem);
      CHECK(e.attribute() == bad.attribute);
      CHECK(e.line() == 4);
      CHECK(e.index() == 2);
    }
    CHECK(store.head_position().value == 1);
    CHECK(store.stream_version("existing") == 0);
    CHECK_FALSE(store.stream_version("new").has_value());
    CHECK(memory.bytes_live() == bytes);
  }
  orchestrix::test::check_store(store);
  // The importer keeps working.
  CHECK(importer.import_lines(store, input_with(event(""))).written == 4);
}

TEST_CASE("in a batch the error names the event's index and no line") {
  EventStore store;
  Importer importer;
  try {
    importer.import_batch(
        store, R"([{"specversion":"1.0","id":"a","source":"/s","type":"t","subject":"s"},)"
               R"({"specversion":"1.0","id":"b","source":"/s","type":"t"}])");
    FAIL("accepted");
  } catch (const FormatError& e) {
    CHECK(e.problem() == Problem::kMissingAttribute);
    CHECK(e.attribute() == "subject");
    CHECK(e.index() == 1);
    CHECK(e.line() == 0);
    CHECK(std::string_view(e.what()).find("'subject'") != std::string_view::npos);
  }
  CHECK(store.head_position().value == 0);
}

TEST_CASE("a stream function naming an empty or too long stream is an error") {
  EventStore store;
  const std::string long_stream(1025, 's');
  for (const std::string_view named : {std::string_view(), std::string_view(long_stream)}) {
    Importer importer({.stream = [named](const CloudEvent&) { return named; }});
    try {
      importer.import_lines(
          store, R"({"specversion":"1.0","id":"a","source":"/s","type":"t","subject":"s"})");
      FAIL("accepted");
    } catch (const FormatError& e) {
      CHECK(e.problem() == Problem::kBadValue);
      CHECK(e.attribute().empty());
      CHECK(e.line() == 1);
    }
  }
  CHECK(store.head_position().value == 0);
}
