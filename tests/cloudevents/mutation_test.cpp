// Every truncation and many single-byte changes of a rich event: the decoder either accepts the
// text (and then the event survives a write and a second decode) or throws FormatError, never
// anything else. Deterministic: every position, a fixed set of replacement bytes.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/cloudevents/writer.hpp"

using namespace orchestrix::cloudevents;

namespace {

constexpr std::string_view kRich =
    R"({"specversion":"1.0","id":"A-1","source":"https://e.com/x","type":"t.u",)"
    R"("subject":"s\u00e9","time":"2026-11-27T09:30:00.123+02:00","datacontenttype":"a/json",)"
    R"("dataschema":"urn:s","ext":"v","n":-12,"b":true,"data":{"k":[1,-2.5e3,"\n",null,false]}})";

constexpr std::string_view kBinary =
    R"({"specversion":"1.0","id":"B","source":"/s","type":"t","data_base64":"AAECAwQFBg=="})";

// 0 when accepted, 1 when rejected with a FormatError; any other exception fails the test.
int outcome(std::string_view json) {
  Decoder d;
  try {
    const CloudEvent& e = d.decode_event(json);
    std::string out;
    append_json(out, e);
    Decoder again;
    CHECK(same_event(again.decode_event(out), e));
    return 0;
  } catch (const FormatError&) {
    return 1;
  }
}

}  // namespace

TEST_CASE("every truncation of a valid event is rejected with a FormatError") {
  for (const std::string_view json : {kRich, kBinary}) {
    for (std::size_t n = 0; n < json.size(); ++n) {
      CAPTURE(n);
      CHECK(outcome(json.substr(0, n)) == 1);
    }
    CHECK(outcome(json) == 0);
  }
}

TEST_CASE("single-byte changes are accepted consistently or rejected with a FormatError") {
  int accepted = 0;
  int rejected = 0;
  for (const std::string_view json : {kRich, kBinary}) {
    for (std::size_t i = 0; i < json.size(); ++i) {
      for (const char c :
           {'"', '\\', '{', '}', '[', ',', ':', '0', 'a', 'Z', ' ', '\x01', '\xff'}) {
        std::string mutated(json);
        if (mutated[i] == c) continue;
        mutated[i] = c;
        CAPTURE(mutated);
        (outcome(mutated) == 0 ? accepted : rejected) += 1;
      }
    }
  }
  CHECK(accepted > 0);
  CHECK(rejected > 0);
}
