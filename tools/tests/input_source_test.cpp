// orchestrix-mem's --input path without a process: loading CloudEvents JSON lines (line numbers
// and attributes of bad lines, blank lines, the store's limits), cycling the sample to exactly N
// events with distinct ids and increasing times, the raw JSON figures, and a store fed by it.
#include "input_source.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "event_sample.hpp"
#include "orchestrix/cloudevents/errors.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "run_json.hpp"
#include "swap.hpp"

namespace tools = orchestrix::tools;
namespace ce = orchestrix::cloudevents;
namespace fs = std::filesystem;

namespace {

const std::string kOrders = std::string(ORCHESTRIX_MEM_TEST_DATA) + "/orders.jsonl";

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A file in the temporary directory, removed at scope exit.
struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& text, const std::string& name) {
    path = fs::temp_directory_path() / ("orchestrix-mem-test-" + name);
    std::ofstream(path, std::ios::binary) << text;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { std::remove(path.c_str()); }
};

// The fixture with line `at` (1-based) replaced by `bad`.
std::string orders_with(std::size_t at, const std::string& bad) {
  std::string text;
  const std::vector<std::string> lines = lines_of(kOrders);
  for (std::size_t i = 0; i < lines.size(); ++i) text += (i + 1 == at ? bad : lines[i]) + "\n";
  return text;
}

struct Drained {
  std::vector<orchestrix::EventData> events;
  std::vector<std::string> streams;
};

Drained drain(tools::InputSource& source) {
  Drained d;
  orchestrix::WorkloadBatch batch;
  while (source.next(batch)) {
    for (const orchestrix::EventData& e : batch.events) {
      d.events.push_back(e);
      d.streams.emplace_back(batch.stream);
    }
    source.on_appended();
  }
  return d;
}

}  // namespace

TEST_CASE("the fixture loads: every event, streams by subject (source without one), blobs") {
  const tools::EventSample s = tools::EventSample::load(kOrders, tools::StreamBy::kSubject);
  REQUIRE(s.events().size() == 8);  // 9 lines, one blank
  CHECK(s.streams() == 5);          // order-17, order-18, order-19, invoice-9, urn:example:audit
  CHECK(s.events()[5].stream == "urn:example:audit");
  CHECK(s.events()[0].attributes.empty());        // UUID id, subject = stream, JSON data
  CHECK_FALSE(s.events()[1].attributes.empty());  // extensions
  CHECK_FALSE(s.events()[3].attributes.empty());  // dataschema
  CHECK_FALSE(s.events()[4].attributes.empty());  // data_base64
  CHECK(s.events()[4].data.size() == 44);         // decoded bytes
  CHECK(s.file_bytes() == fs::file_size(kOrders));
  CHECK(s.held_bytes() >= s.data_bytes());
  REQUIRE(s.first_time());
  CHECK(s.first_time()->unix_nanos() == 1'714'557'600'250'000'000);  // 2024-05-01T10:00:00.250Z

  const tools::EventSample by_type = tools::EventSample::load(kOrders, tools::StreamBy::kType);
  CHECK(by_type.events()[0].stream == "com.example.order.created");
  CHECK_FALSE(by_type.events()[0].attributes.empty());  // the subject is not the stream now
}

TEST_CASE("check() reads and checks like load() without keeping the events") {
  const tools::EventSample kept = tools::EventSample::load(kOrders, tools::StreamBy::kSubject);
  const tools::EventSample checked = tools::EventSample::check(kOrders, tools::StreamBy::kSubject);
  CHECK(checked.events().empty());
  CHECK(checked.held_bytes() == 0);
  CHECK(checked.event_count() == kept.event_count());
  CHECK(kept.event_count() == kept.events().size());
  CHECK(checked.streams() == kept.streams());
  CHECK(checked.data_bytes() == kept.data_bytes());
  CHECK(checked.file_bytes() == kept.file_bytes());
  const TempFile bad(orders_with(6, R"({"specversion":"2.0","id":"x","source":"s","type":"t"})"),
                     "check.jsonl");
  try {
    (void)tools::EventSample::check(bad.path.string(), tools::StreamBy::kSubject);
    FAIL("no error");
  } catch (const ce::FormatError& e) {
    CHECK(e.line() == 6);
    CHECK(e.attribute() == "specversion");
  }
}

TEST_CASE("a bad line names its line number and attribute; a blank line still counts") {
  struct Case {
    std::size_t line;
    std::string text;
    std::string attribute;
    ce::Problem problem;
  };
  const std::vector<Case> cases{
      {3, R"({"specversion":"1.0","id":"x","source":"s","type":"t","time":"yesterday"})", "time",
       ce::Problem::kBadTime},
      {8, R"({"specversion":"1.0","id":"x","source":"s"})", "type", ce::Problem::kMissingAttribute},
      {1, R"({"specversion":"1.0","id":"x","source":"s","type":"t","data_base64":"***"})",
       "data_base64", ce::Problem::kInvalidBase64},
      {9, R"({"specversion":"1.0","id":7,"source":"s","type":"t"})", "id", ce::Problem::kWrongType},
      {2, R"({"specversion":"1.0",)", "", ce::Problem::kMalformedJson},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const TempFile file(orders_with(c.line, c.text), "bad.jsonl");
    try {
      (void)tools::EventSample::load(file.path.string(), tools::StreamBy::kSubject);
      FAIL("no error");
    } catch (const ce::FormatError& e) {
      CHECK(e.line() == c.line);
      CHECK(e.attribute() == c.attribute);
      CHECK(e.problem() == c.problem);
      CHECK(std::string(e.what()).find("line " + std::to_string(c.line)) != std::string::npos);
    }
  }
}

TEST_CASE("an unreadable file, an empty one and an event over the store's limits are errors") {
  CHECK_THROWS_AS(tools::EventSample::load("/nonexistent/events.jsonl", tools::StreamBy::kSubject),
                  orchestrix::InvalidArgument);
  const TempFile empty("", "empty.jsonl");
  CHECK_THROWS_WITH_AS(tools::EventSample::load(empty.path.string(), tools::StreamBy::kSubject),
                       doctest::Contains("holds no event"), orchestrix::InvalidArgument);
  const TempFile blank("\n  \n", "blank.jsonl");
  CHECK_THROWS_AS(tools::EventSample::load(blank.path.string(), tools::StreamBy::kSubject),
                  orchestrix::InvalidArgument);
  const std::string long_type(300, 'x');
  const TempFile over(
      orders_with(4, R"({"specversion":"1.0","id":"x","source":"s","type":")" + long_type + "\"}"),
      "over.jsonl");
  CHECK_THROWS_WITH_AS(tools::EventSample::load(over.path.string(), tools::StreamBy::kSubject),
                       doctest::Contains("line 4: the store cannot take this event: type"),
                       orchestrix::InvalidArgument);
}

TEST_CASE("cycling gives exactly N events, distinct ids, increasing times, the sample's streams") {
  const tools::EventSample s = tools::EventSample::load(kOrders, tools::StreamBy::kSubject);
  for (const std::uint64_t n : {1ULL, 7ULL, 8ULL, 1001ULL}) {
    CAPTURE(n);
    tools::InputSource source(s, n, 42, 10);
    const Drained d = drain(source);
    REQUIRE(d.events.size() == n);
    std::set<orchestrix::Uuid> ids;
    for (std::size_t i = 0; i < d.events.size(); ++i) {
      const orchestrix::EventData& e = d.events[i];
      REQUIRE(e.id);
      ids.insert(*e.id);
      CHECK(e.id->version() == 7);
      REQUIRE(e.time);
      if (i > 0) CHECK(e.time->unix_nanos() > d.events[i - 1].time->unix_nanos());
      const tools::SampleEvent& from = s.events()[i % s.events().size()];
      CHECK(d.streams[i] == from.stream);
      CHECK(e.type == from.type);
      CHECK(e.data.data() == from.data.data());
      CHECK(e.attributes.size() == from.attributes.size());
    }
    CHECK(ids.size() == n);
  }
}

TEST_CASE("ids depend on the seed only, and a batch holds consecutive events of one stream") {
  const tools::EventSample s = tools::EventSample::load(kOrders, tools::StreamBy::kSubject);
  tools::InputSource a(s, 100, 7, 10);
  tools::InputSource b(s, 100, 7, 10);
  tools::InputSource c(s, 100, 8, 10);
  const Drained da = drain(a);
  const Drained db = drain(b);
  const Drained dc = drain(c);
  for (std::size_t i = 0; i < 100; ++i) {
    CHECK(*da.events[i].id == *db.events[i].id);
    CHECK(*da.events[i].id != *dc.events[i].id);
  }
  tools::InputSource batched(s, 8, 42, 10);
  orchestrix::WorkloadBatch batch;
  REQUIRE(batched.next(batch));
  CHECK(batch.stream == "order-17");
  CHECK(batch.events.size() == 2);  // lines 1 and 2; line 3 is order-18
}

TEST_CASE("raw JSON: one pass over a canonical file counts exactly its non-blank lines") {
  const tools::EventSample s = tools::EventSample::load(kOrders, tools::StreamBy::kSubject);
  // The fixture is in the codec's own compact form, with UUID ids and millisecond times: each
  // appended copy has the same JSON length as its line.
  std::uint64_t expected = 0;
  std::uint64_t data = 0;
  for (const std::string& line : lines_of(kOrders)) {
    if (!line.empty()) expected += line.size() + 1;
  }
  for (const tools::SampleEvent& e : s.events()) data += e.data_json_bytes;
  tools::InputSource source(s, 8, 42, 10);
  (void)drain(source);
  CHECK(source.appended().json_bytes == expected);
  CHECK(source.appended().data_bytes == data);
  CHECK(data == s.data_bytes());

  tools::InputSource twice(s, 16, 42, 10);
  (void)drain(twice);
  CHECK(twice.appended().json_bytes == 2 * expected);
}

TEST_CASE("raw figures count only the batches the store took") {
  const tools::EventSample s = tools::EventSample::load(kOrders, tools::StreamBy::kSubject);
  tools::InputSource source(s, 8, 42, 10);
  orchestrix::WorkloadBatch batch;
  REQUIRE(source.next(batch));
  CHECK(source.appended().json_bytes == 0);  // not appended yet
  source.on_appended();
  const std::uint64_t first = source.appended().json_bytes;
  CHECK(first > 0);
  REQUIRE(source.next(batch));  // this append "fails": no on_appended()
  REQUIRE(source.next(batch));
  CHECK(source.appended().json_bytes == first);
}

TEST_CASE("a store fed by the cycled sample holds every event with its data") {
  const tools::EventSample s = tools::EventSample::load(kOrders, tools::StreamBy::kSubject);
  orchestrix::EventStore store;
  tools::InputSource source(s, 500, 42, 10);
  orchestrix::WorkloadBatch batch;
  while (source.next(batch)) {
    (void)store.append(batch.stream, batch.events);
    source.on_appended();
  }
  std::uint64_t n = 0;
  std::uint64_t data = 0;
  for (const orchestrix::EventView& e : store.read_all()) {
    CHECK(e.data().size() == s.events()[n % 8].data.size());
    data += e.data().size();
    ++n;
  }
  CHECK(n == 500);
  CHECK(store.memory_stats().streams == 5);
  CHECK(data > 0);
}

TEST_CASE("swap's and budget's children get the --input options, the path quoted for a shell") {
  tools::RunConfig c;
  c.input = "/tmp/it's here.jsonl";
  c.workload = "input";
  c.stream_by = "source";
  c.input_batch_events = 4;
  c.compression = true;
  const std::string args = tools::budget_arguments(c);
  CHECK(args.find(R"(--input '/tmp/it'\''s here.jsonl')") != std::string::npos);
  CHECK(args.find("--stream-by source --input-batch 4") != std::string::npos);
  CHECK(args.find("--compression on") != std::string::npos);
  CHECK(args.find("--workload") == std::string::npos);
}

TEST_CASE("an --input run survives the JSON round trip") {
  tools::RunResult r;
  r.config.workload = "input";
  r.compression = true;
  r.instrumented.bytes_live = 500;
  r.input = tools::InputFigures{.path = "e.jsonl",
                                .stream_by = "subject",
                                .sample_events = 8,
                                .sample_file_bytes = 2690,
                                .sample_data_bytes = 900,
                                .sample_streams = 5,
                                .sample_held_bytes = 1 << 20,
                                .raw_json_bytes = 1000,
                                .raw_data_bytes = 800};
  const nlohmann::json j = tools::to_json(r);
  CHECK(j.at("held_per_raw_json").get<double>() == doctest::Approx(0.5));
  const tools::RunResult back = tools::result_from_json(j);
  REQUIRE(back.input);
  CHECK(back.compression);
  CHECK(back.input->raw_json_bytes == 1000);
  CHECK(back.input->sample_held_bytes == 1 << 20);
  CHECK(back.config.input == "e.jsonl");
  CHECK(tools::held_per_raw(back) == doctest::Approx(0.5));
}
