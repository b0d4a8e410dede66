#include <doctest/doctest.h>

#include <set>
#include <string>

#include "orchestrix/errors.hpp"
#include "orchestrix/timestamp.hpp"
#include "orchestrix/uuid.hpp"

using namespace orchestrix;

TEST_CASE("malformed UUID text is rejected by the parsing helper") {
  CHECK_THROWS_AS(Uuid::parse("not-a-uuid"), InvalidArgument);
  const Uuid u = Uuid::v4();
  CHECK(Uuid::parse(u.to_string()) == u);
}

TEST_CASE("try_parse leaves its output untouched on failure and accepts either case") {
  Uuid out = Uuid::v4();
  const Uuid before = out;
  CHECK_FALSE(Uuid::try_parse("0123456789abcdef0123456789abcdef0123", out));
  CHECK(out == before);
  CHECK(Uuid::try_parse("0123ABCD-89ab-4def-8123-456789ABCDEF", out));
  CHECK(out.to_string() == "0123abcd-89ab-4def-8123-456789abcdef");
}

TEST_CASE("v4 and v7 UUIDs carry their version and v7 UUIDs of one thread increase") {
  CHECK(Uuid::v4().version() == 4);
  Uuid last = Uuid::v7();
  CHECK(last.version() == 7);
  for (int i = 0; i < 1000; ++i) {
    const Uuid next = Uuid::v7();
    CHECK(last < next);
    last = next;
  }
}

TEST_CASE("timestamps print as RFC 3339 with nanoseconds in UTC") {
  CHECK(Timestamp(0).to_rfc3339() == "1970-01-01T00:00:00.000000000Z");
  CHECK(Timestamp(1'767'225'600'123'456'789).to_rfc3339() == "2026-01-01T00:00:00.123456789Z");
}
