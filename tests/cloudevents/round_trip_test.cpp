// Round trips through the JSON writer and the decoder, attribute kind by attribute kind.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <memory_resource>
#include <string>
#include <string_view>

#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/cloudevents/writer.hpp"

using namespace orchestrix;
using namespace orchestrix::cloudevents;

namespace {

std::string_view text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::string event_with(std::string_view members) {
  return std::string(R"({"specversion":"1.0","id":"x","source":"/s","type":"t")") +
         std::string(members) + "}";
}

// Decodes `json`, writes it, decodes the output: the same event both times.
std::string rewritten(std::string_view json) {
  Decoder d;
  const CloudEvent& e = d.decode_event(json);
  std::string out;
  append_json(out, e);
  Decoder again;
  CHECK(same_event(again.decode_event(out), e));
  return out;
}

std::string time_written(std::string_view time) {
  const std::string out = rewritten(event_with(R"(,"time":")" + std::string(time) + "\""));
  const auto at = out.find(R"("time":")") + 8;
  return out.substr(at, out.find('"', at) - at);
}

}  // namespace

TEST_CASE("a minimal event is written compactly with specversion first") {
  CHECK(rewritten(event_with("")) == R"({"specversion":"1.0","id":"x","source":"/s","type":"t"})");
}

TEST_CASE("every optional attribute survives the round trip") {
  const std::string json = event_with(
      R"(,"subject":"order/42","time":"2026-11-27T09:30:00.5+02:00",)"
      R"("datacontenttype":"application/json","dataschema":"https://example.com/s.json",)"
      R"("traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",)"
      R"("count":-2147483648,"big":2147483647,"flag":true,"off":false,"data":{"a":[1,2.5e3,null]})");
  Decoder d;
  const CloudEvent& e = d.decode_event(json);
  CHECK(e.subject == "order/42");
  CHECK(e.dataschema == "https://example.com/s.json");
  CHECK(e.time->unix_nanos() == 1'795'764'600'500'000'000);
  REQUIRE(e.extensions.size() == 5);
  CHECK(e.extensions[1].integer == INT32_MIN);
  CHECK(e.extensions[2].integer == INT32_MAX);
  CHECK(e.extensions[3].type == ExtensionType::kBoolean);
  CHECK(e.extensions[3].boolean);
  CHECK_FALSE(e.extensions[4].boolean);
  CHECK(text(e.data) == R"({"a":[1,2.5e3,null]})");
  const std::string out = rewritten(json);
  CHECK(out == json);  // already in the writer's member order and compact
}

TEST_CASE("time keeps its precision and offset; only the letters T and Z are normalised") {
  CHECK(time_written("2018-04-05T17:31:00Z") == "2018-04-05T17:31:00Z");
  CHECK(time_written("2018-04-05T17:31:00.1Z") == "2018-04-05T17:31:00.1Z");
  CHECK(time_written("2018-04-05T17:31:00.120Z") == "2018-04-05T17:31:00.120Z");
  CHECK(time_written("2018-04-05T17:31:00.123456789Z") == "2018-04-05T17:31:00.123456789Z");
  CHECK(time_written("2018-04-05T17:31:00.1234567891234Z") == "2018-04-05T17:31:00.1234567891234Z");
  CHECK(time_written("2018-04-05t17:31:00z") == "2018-04-05T17:31:00Z");
  CHECK(time_written("2018-04-05T23:31:00-05:30") == "2018-04-05T23:31:00-05:30");
  CHECK(time_written("2018-04-05T00:10:00+14:00") == "2018-04-05T00:10:00+14:00");
  CHECK(time_written("2018-04-05T17:31:00-00:00") == "2018-04-05T17:31:00-00:00");
  CHECK(time_written("2018-04-05T17:31:00+00:00") == "2018-04-05T17:31:00+00:00");
  CHECK(time_written("2000-02-29T00:00:00Z") == "2000-02-29T00:00:00Z");
  CHECK(time_written("1678-01-01T00:00:00Z") == "1678-01-01T00:00:00Z");
  CHECK(time_written("1969-12-31T23:59:59.999999999Z") == "1969-12-31T23:59:59.999999999Z");
}

TEST_CASE("times with different offsets are the same instant") {
  Decoder a;
  Decoder b;
  const CloudEvent& x = a.decode_event(event_with(R"(,"time":"2018-04-05T17:31:00Z")"));
  const CloudEvent& y = b.decode_event(event_with(R"(,"time":"2018-04-05T19:01:00+01:30")"));
  CHECK(*x.time == *y.time);
  CHECK_FALSE(same_event(x, y));  // the written form differs
}

TEST_CASE("strings with escapes and UTF-8 come back as the same values") {
  const std::string json = event_with(
      R"(,"subject":"caf\u00e9 \"q\" \\ \/ \t\n\u0001 \ud83d\ude00 ü","ext":"a\u0000b")");
  Decoder d;
  const CloudEvent& e = d.decode_event(json);
  CHECK(e.subject == "café \"q\" \\ / \t\n\x01 \xF0\x9F\x98\x80 ü");
  CHECK(e.extensions[0].string == std::string_view("a\0b", 3));
  const std::string out = rewritten(json);
  CHECK(out.find(R"(\"q\" \\ / \t\n\u0001)") != std::string::npos);
  CHECK(out.find(R"("a\u0000b")") != std::string::npos);
}

TEST_CASE("data of every JSON kind is kept byte for byte, escapes and all") {
  for (const std::string_view data :
       {R"(null)", R"(true)", R"(false)", R"(-0.5e-7)", R"(123456789012345678901234567890)",
        R"("\u00e9\n")", R"([])", R"({})", R"([ 1 , {"k" : [ "v" ] } ])",
        R"({"deep":[[[[{"x":{"y":null}}]]]]})"}) {
    Decoder d;
    const CloudEvent& e = d.decode_event(event_with(R"(,"data":)" + std::string(data)));
    CHECK(e.data_kind == DataKind::kJson);
    CHECK(text(e.data) == data);
    rewritten(event_with(R"(,"data":)" + std::string(data)));
  }
}

TEST_CASE("binary data of every length round-trips through data_base64") {
  std::array<std::byte, 64> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>(i * 37 + 1);
  for (std::size_t n = 0; n <= 7; ++n) {
    CloudEvent e;
    e.id = "b";
    e.source = "/s";
    e.type = "t";
    e.data_kind = DataKind::kBinary;
    e.data = std::span(bytes.data(), n);
    std::string out;
    append_json(out, e);
    Decoder d;
    const CloudEvent& back = d.decode_event(out);
    CHECK(back.data_kind == DataKind::kBinary);
    CHECK(same_event(back, e));
  }
}

TEST_CASE("no data and an explicit null data are different events") {
  Decoder a;
  Decoder b;
  const CloudEvent& none = a.decode_event(event_with(""));
  const CloudEvent& null = b.decode_event(event_with(R"(,"data":null)"));
  CHECK(none.data_kind == DataKind::kNone);
  CHECK(null.data_kind == DataKind::kJson);
  CHECK_FALSE(same_event(none, null));
}

TEST_CASE("JSON lines: blank and CRLF lines, output one event per line") {
  const std::string lines = event_with(R"(,"data":1)") + "\r\n\n   \n" +
                            event_with(R"(,"data":[2])") + "\n" + event_with("");
  Decoder d;
  const auto events = d.decode_lines(lines);
  REQUIRE(events.size() == 3);
  CHECK(text(events[0].data) == "1");
  CHECK(text(events[1].data) == "[2]");
  CHECK(events[2].data_kind == DataKind::kNone);
  std::string out;
  append_lines(out, events);
  CHECK(std::count(out.begin(), out.end(), '\n') == 3);
  Decoder again;
  const auto back = again.decode_lines(out);
  REQUIRE(back.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(same_event(back[i], events[i]));
}

TEST_CASE("an empty batch and empty JSON lines give no events") {
  Decoder d;
  CHECK(d.decode_batch(" [ ] ").empty());
  CHECK(d.decode_lines("").empty());
  CHECK(d.decode_lines("\n\n").empty());
  std::string out;
  append_batch(out, {});
  CHECK(out == "[]");
}

namespace {

// Counts the bytes outstanding from an upstream resource.
class CountingResource : public std::pmr::memory_resource {
 public:
  std::size_t outstanding = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    outstanding += bytes;
    return std::pmr::new_delete_resource()->allocate(bytes, align);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    outstanding -= bytes;
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

}  // namespace

TEST_CASE("the decoder holds exactly bytes_held() from its resource and reuses it") {
  CountingResource counting;
  {
    Decoder d(&counting);
    CHECK(counting.outstanding == d.bytes_held());
    const std::string json = event_with(R"(,"ext":"v","data":{"k":"v"})");
    d.decode_event(json);
    const std::size_t held = d.bytes_held();
    CHECK(held >= 2 * json.size());
    CHECK(counting.outstanding == held);
    for (int i = 0; i < 10; ++i) d.decode_event(json);
    CHECK(d.bytes_held() == held);
    d.decode_lines(json + "\n" + json + "\n");
    CHECK(counting.outstanding == d.bytes_held());
  }
  CHECK(counting.outstanding == 0);
}

TEST_CASE("pmr strings receive the same output as std::string") {
  Decoder d;
  const CloudEvent& e = d.decode_event(event_with(R"(,"time":"2018-04-05T17:31:00.25Z")"));
  std::string a;
  std::pmr::string b;
  append_json(a, e);
  append_json(b, e);
  CHECK(std::string_view(a) == std::string_view(b));
}
