// The attribute blob: what the store's fields do not keep, and nothing for the common event.
#include "orchestrix/cloudevents/attribute_blob.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/errors.hpp"

using namespace orchestrix;
using namespace orchestrix::cloudevents;

namespace {

// What a store would do: keep the fields (an id and a time are assigned when absent) and the
// blob, then give them back.
struct Stored {
  StoredEvent fields;
  std::vector<std::byte> blob;
};

Stored store(const CloudEvent& e, std::string_view stream) {
  const StoreFields f = store_fields(e);
  Stored s;
  s.fields.stream = stream;
  s.fields.type = f.type;
  s.fields.source = f.source;
  s.fields.content_type = f.content_type;
  s.fields.id = f.id.value_or(Uuid::v7());
  s.fields.time = f.time.value_or(Timestamp::now());
  s.fields.data = f.data;
  s.blob.resize(attribute_blob_size(e, stream));
  write_attribute_blob(e, stream, s.blob);
  return s;
}

std::string event_with(std::string_view id, std::string_view members) {
  return R"({"specversion":"1.0","id":")" + std::string(id) +
         R"(","source":"https://api.github.com/repos/o/r","type":"com.github.push")" +
         std::string(members) + "}";
}

constexpr std::string_view kUuid = "0190a3e4-7b2c-7d3e-8f40-123456789abc";

}  // namespace

TEST_CASE("the common event costs zero blob bytes and restores exactly") {
  Decoder d;
  const CloudEvent& e = d.decode_event(event_with(
      kUuid,
      R"(,"subject":"o/r","time":"2026-01-02T03:04:05Z","datacontenttype":"application/json","data":{"a":1})"));
  CHECK(attribute_blob_size(e, "o/r") == 0);
  const StoreFields f = store_fields(e);
  REQUIRE(f.id.has_value());
  CHECK(f.id->to_string() == kUuid);
  CHECK(f.content_type == "application/json");
  const Stored s = store(e, "o/r");
  RestoredEvent r;
  CHECK(same_event(r.restore(s.fields, s.blob), e));
}

TEST_CASE("canonical times of every precision cost nothing") {
  for (const std::string_view t : {"2026-01-02T03:04:05.123Z", "2026-01-02T03:04:05.123456Z",
                                   "2026-01-02T03:04:05.123456789Z"}) {
    Decoder d;
    const CloudEvent& e =
        d.decode_event(event_with(kUuid, R"(,"subject":"s","time":")" + std::string(t) + "\""));
    CHECK(attribute_blob_size(e, "s") == 0);
  }
}

TEST_CASE("each extra attribute is kept in the blob and restored") {
  const std::string cases[] = {
      event_with("A234-1234-1234", R"(,"subject":"s")"),                        // non-UUID id
      event_with("0190A3E4-7B2C-7D3E-8F40-123456789ABC", R"(,"subject":"s")"),  // upper case
      event_with("0190a3e4-7b2c-7d3e-8f40-123456789abg", R"(,"subject":"s")"),  // not hex
      event_with("0190a3e47-b2c-7d3e-8f40-123456789abc", R"(,"subject":"s")"),  // dash moved
      event_with("{0190a3e4-7b2c-7d3e-8f40-123456789abc}", R"(,"subject":"s")"),
      event_with(kUuid, R"(,"subject":"other")"),  // subject != stream
      event_with(kUuid, ""),                       // no subject
      event_with(kUuid, R"(,"subject":"s","time":"2026-01-02T03:04:05.10Z")"),
      event_with(kUuid, R"(,"subject":"s","time":"2026-01-02T03:04:05-07:00")"),
      event_with(kUuid, R"(,"subject":"s","time":"2026-01-02T03:04:05.1234567890123+05:45")"),
      event_with(kUuid, R"(,"subject":"s","dataschema":"https://example.com/schema")"),
      event_with(kUuid, R"(,"subject":"s","data_base64":"AAECAwQ=")"),
      event_with(kUuid, R"(,"subject":"s","data_base64":"")"),
      event_with(kUuid, R"(,"subject":"s","ext":"v","n":-7,"big":2147483647,"t":true,"f":false)"),
  };
  for (const std::string& json : cases) {
    CAPTURE(json);
    Decoder d;
    const CloudEvent& e = d.decode_event(json);
    CHECK(attribute_blob_size(e, "s") > 0);
    const Stored s = store(e, "s");
    RestoredEvent r;
    CHECK(same_event(r.restore(s.fields, s.blob), e));
  }
}

TEST_CASE("an event without time is restored without time, whatever the store assigned") {
  Decoder d;
  const CloudEvent& e = d.decode_event(event_with(kUuid, R"(,"subject":"s","data":1)"));
  const Stored s = store(e, "s");
  CHECK(s.blob.size() == 1);
  RestoredEvent r;
  const CloudEvent& back = r.restore(s.fields, s.blob);
  CHECK_FALSE(back.time.has_value());
  CHECK(same_event(back, e));
}

TEST_CASE("blob bytes for a non-UUID id and an integer extension, byte by byte") {
  Decoder d;
  const CloudEvent& e =
      d.decode_event(event_with("ab", R"(,"subject":"s","time":"2026-01-02T03:04:05Z","n":-2)"));
  const Stored s = store(e, "s");
  const std::vector<std::byte> expected = {
      std::byte{1}, std::byte{2}, std::byte{'a'}, std::byte{'b'},  // id "ab"
      std::byte{9}, std::byte{1}, std::byte{'n'}, std::byte{3},    // n = -2 (zigzag 3)
  };
  CHECK(s.blob == expected);
}

TEST_CASE("a blob this codec did not write is an InvalidArgument") {
  StoredEvent fields;
  fields.type = "t";
  fields.source = "/s";
  RestoredEvent r;
  const std::byte unknown[] = {std::byte{0x7f}};
  const std::byte truncated[] = {std::byte{1}, std::byte{5}, std::byte{'a'}};
  const std::byte bad_time[] = {std::byte{4}, std::byte{0x0a}};
  CHECK_THROWS_AS(r.restore(fields, unknown), InvalidArgument);
  CHECK_THROWS_AS(r.restore(fields, truncated), InvalidArgument);
  CHECK_THROWS_AS(r.restore(fields, bad_time), InvalidArgument);
}
