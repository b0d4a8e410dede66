// A table of non-conforming events, each with the problem and attribute its FormatError names;
// and the line numbers of JSON lines.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "orchestrix/cloudevents/decoder.hpp"

using namespace orchestrix;
using namespace orchestrix::cloudevents;

namespace {

struct BadEvent {
  std::string_view json;
  Problem problem;
  std::string_view attribute;
};

#define HEAD R"("specversion":"1.0","source":"/s","type":"t")"
#define EVENT(members) "{" HEAD R"(,"id":"x")" members "}"

constexpr BadEvent kBadEvents[] = {
    {R"({"source":"/s","type":"t","id":"x"})", Problem::kMissingAttribute, "specversion"},
    {R"({"specversion":null,"source":"/s","type":"t","id":"x"})", Problem::kMissingAttribute,
     "specversion"},
    {R"({"specversion":"0.3","source":"/s","type":"t","id":"x"})", Problem::kUnknownSpecVersion,
     "specversion"},
    {R"({"specversion":1.0,"source":"/s","type":"t","id":"x"})", Problem::kWrongType,
     "specversion"},
    {"{" HEAD "}", Problem::kMissingAttribute, "id"},
    {"{" HEAD R"(,"id":null})", Problem::kMissingAttribute, "id"},
    {"{" HEAD R"(,"id":"")", Problem::kMalformedJson, ""},
    {"{" HEAD R"(,"id":""})", Problem::kBadValue, "id"},
    {"{" HEAD R"(,"id":7})", Problem::kWrongType, "id"},
    {R"({"specversion":"1.0","id":"x","type":"t"})", Problem::kMissingAttribute, "source"},
    {R"({"specversion":"1.0","id":"x","source":"/s"})", Problem::kMissingAttribute, "type"},
    {R"({"specversion":"1.0","id":"x","source":"/s","type":["t"]})", Problem::kWrongType, "type"},
    {R"({"specversion":"1.0","id":"x","source":"a b","type":"t"})", Problem::kBadValue, "source"},
    {EVENT(R"(,"subject":"")"), Problem::kBadValue, "subject"},
    {EVENT(R"(,"subject":{})"), Problem::kWrongType, "subject"},
    {EVENT(R"(,"datacontenttype":"")"), Problem::kBadValue, "datacontenttype"},
    {EVENT(R"(,"dataschema":"/relative")"), Problem::kBadValue, "dataschema"},
    {EVENT(R"(,"time":"2018-04-05 17:31:00Z")"), Problem::kBadTime, "time"},
    {EVENT(R"(,"time":"2018-04-05T17:31:00")"), Problem::kBadTime, "time"},
    {EVENT(R"(,"time":"2018-02-29T00:00:00Z")"), Problem::kBadTime, "time"},
    {EVENT(R"(,"time":"2018-04-05T24:00:00Z")"), Problem::kBadTime, "time"},
    {EVENT(R"(,"time":"2016-12-31T23:59:60Z")"), Problem::kBadTime, "time"},
    {EVENT(R"(,"time":"2018-04-05T17:31:00.Z")"), Problem::kBadTime, "time"},
    {EVENT(R"(,"time":"2018-04-05T17:31:00+24:00")"), Problem::kBadTime, "time"},
    {EVENT(R"(,"time":"2263-01-01T00:00:00Z")"), Problem::kBadTime, "time"},
    {EVENT(R"(,"time":"1677-01-01T00:00:00Z")"), Problem::kBadTime, "time"},
    {EVENT(R"(,"time":1522949460)"), Problem::kWrongType, "time"},
    {EVENT(R"(,"data_base64":"abc")"), Problem::kInvalidBase64, "data_base64"},
    {EVENT(R"(,"data_base64":"ab$=")"), Problem::kInvalidBase64, "data_base64"},
    {EVENT(R"(,"data_base64":"a===")"), Problem::kInvalidBase64, "data_base64"},
    {EVENT(R"(,"data_base64":"AB==")"), Problem::kInvalidBase64, "data_base64"},
    {EVENT(R"(,"data_base64":"=AAA")"), Problem::kInvalidBase64, "data_base64"},
    {EVENT(R"(,"data_base64":42)"), Problem::kWrongType, "data_base64"},
    {EVENT(R"(,"data":1,"data_base64":"AA==")"), Problem::kDataConflict, "data_base64"},
    {EVENT(R"(,"data_base64":"AA==","data":1)"), Problem::kDataConflict, "data"},
    {EVENT(R"(,"data":[1,2,)"), Problem::kMalformedJson, "data"},
    {EVENT(R"(,"data":{"a":tru})"), Problem::kMalformedJson, "data"},
    {EVENT(R"(,"data":01)"), Problem::kMalformedJson, "data"},
    {EVENT(R"(,"data":"\x")"), Problem::kMalformedJson, "data"},
    {EVENT(R"(,"data":{"\q":1})"), Problem::kMalformedJson, "data"},
    {EVENT(R"(,"data":"\ud800")"), Problem::kMalformedJson, "data"},
    {EVENT(",\"data\":\"a\x01"
           "b\""),
     Problem::kMalformedJson, ""},
    {EVENT(",\"data\":\"\xff\""), Problem::kMalformedJson, ""},
    {EVENT(R"(,"Upper":"v")"), Problem::kBadAttributeName, "Upper"},
    {EVENT(R"(,"with_underscore":"v")"), Problem::kBadAttributeName, "with_underscore"},
    {EVENT(R"(,"":"v")"), Problem::kBadAttributeName, ""},
    {EVENT(R"(,"ext":1.5)"), Problem::kWrongType, "ext"},
    {EVENT(R"(,"ext":1e3)"), Problem::kWrongType, "ext"},
    {EVENT(R"(,"ext":2147483648)"), Problem::kWrongType, "ext"},
    {EVENT(R"(,"ext":{"a":1})"), Problem::kWrongType, "ext"},
    {EVENT(R"(,"ext":[1])"), Problem::kWrongType, "ext"},
    {EVENT(R"(,"ext":"a","ext":"b")"), Problem::kDuplicateAttribute, "ext"},
    {EVENT(R"(,"id":"y")"), Problem::kDuplicateAttribute, "id"},
    {EVENT(R"(,"subject":null,"subject":"s")"), Problem::kDuplicateAttribute, "subject"},
    {"[" EVENT("") "]", Problem::kMalformedJson, ""},
    {EVENT("") " {}", Problem::kMalformedJson, ""},
    {"", Problem::kMalformedJson, ""},
    {"not json", Problem::kMalformedJson, ""},
};

#undef EVENT
#undef HEAD

}  // namespace

TEST_CASE("each bad event throws a FormatError naming its problem and attribute") {
  for (const BadEvent& bad : kBadEvents) {
    CAPTURE(bad.json);
    Decoder d;
    try {
      d.decode_event(bad.json);
      FAIL("accepted");
    } catch (const FormatError& e) {
      CHECK(problem_name(e.problem()) == problem_name(bad.problem));
      if (bad.problem != Problem::kMalformedJson || !bad.attribute.empty()) {
        CHECK(e.attribute() == bad.attribute);
      }
      CHECK(e.line() == 0);
    }
  }
}

TEST_CASE("a FormatError is an InvalidArgument whose message names the attribute") {
  Decoder d;
  try {
    d.decode_event(R"({"specversion":"1.0","id":"x","source":"/s","type":"t","time":"yesterday"})");
    FAIL("accepted");
  } catch (const InvalidArgument& e) {
    CHECK(std::string_view(e.what()).find("attribute 'time': bad time") != std::string_view::npos);
  }
}

TEST_CASE("JSON lines: the error names the line, blank lines counted, nothing is returned") {
  const std::string good = R"({"specversion":"1.0","id":"x","source":"/s","type":"t"})";
  const std::string lines = good + "\n\n" + good + "\r\n" +
                            R"({"specversion":"1.0","id":"x","source":"/s"})" + "\n" + good;
  Decoder d;
  try {
    d.decode_lines(lines);
    FAIL("accepted");
  } catch (const FormatError& e) {
    CHECK(e.problem() == Problem::kMissingAttribute);
    CHECK(e.attribute() == "type");
    CHECK(e.line() == 4);
    CHECK(e.index() == 2);
    CHECK(std::string_view(e.what()).find("line 4: ") != std::string_view::npos);
  }
  try {
    d.decode_lines(good + "\n" + good + " x\n");
    FAIL("accepted");
  } catch (const FormatError& e) {
    CHECK(e.problem() == Problem::kMalformedJson);
    CHECK(e.line() == 2);
  }
  CHECK(d.decode_lines(good + "\n").size() == 1);  // usable after an error
}

TEST_CASE("a batch with one bad event names its index and returns nothing") {
  Decoder d;
  const std::string good = R"({"specversion":"1.0","id":"x","source":"/s","type":"t"})";
  try {
    d.decode_batch("[" + good + "," + good + R"(,{"specversion":"2.0"}])");
    FAIL("accepted");
  } catch (const FormatError& e) {
    CHECK(e.problem() == Problem::kUnknownSpecVersion);
    CHECK(e.index() == 2);
    CHECK(e.line() == 0);
  }
  CHECK_THROWS_AS(d.decode_batch(good), FormatError);                // not an array
  CHECK_THROWS_AS(d.decode_batch("[" + good + "] x"), FormatError);  // trailing characters
  CHECK_THROWS_AS(d.decode_batch("[1]"), FormatError);               // not an object
}
