// bench_cloudevents: CloudEvents JSON lines into an EventStore and back out, on the real sample
// (329 GitHub webhook events, data/webhooks/cloudevents.jsonl from tools/fetch-sample), one
// thread (figures per core). Without the sample it says so and exits 0.
//
//   BM_CloudEventsImport           Importer::import_lines (simdjson decoder, attribute blobs,
//                                  one append per stream) into a fresh store: MB/s of JSON in
//   BM_CloudEventsDecode           the decoder alone (Decoder::decode_lines)
//   BM_NlohmannImport              peer: the same lines parsed with nlohmann-json (what the tools
//                                  use) into the same EventData (data re-serialised with dump(),
//                                  as nlohmann keeps no source text), appended the same way
//   BM_CloudEventsExport           Exporter::append_log_lines of the whole store: MB/s of JSON out
//   BM_NlohmannExport              peer: each stored event built as an nlohmann ordered_json
//                                  (data parsed from its bytes) and dumped as a line
//
// The stores and strings come from the default resource; each import iteration starts with an
// empty store (made and destroyed with the timer paused) and an importer (or the peer's vectors)
// warmed by an earlier import, as in a process that imports continuously.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/cloudevents_store/exporter.hpp"
#include "orchestrix/cloudevents_store/importer.hpp"
#include "orchestrix/event_store.hpp"
#include "registration.hpp"
#include "rfc3339.hpp"

namespace {

using orchestrix::EventData;
using orchestrix::EventStore;
using orchestrix::EventView;
namespace ce = orchestrix::cloudevents;

std::string& sample() {
  static std::string text;
  return text;
}

bool load_sample() {
  std::ifstream in(ORCHESTRIX_SAMPLE_DIR "/cloudevents.jsonl", std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  sample() = s.str();
  return !sample().empty();
}

void set_bytes(benchmark::State& state, std::size_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes));
}

void BM_CloudEventsImport(benchmark::State& state) {
  const std::string& text = sample();
  ce::Importer importer;
  {
    EventStore warm;
    importer.import_lines(warm, text);  // sizes the decoder's and simdjson's buffers
  }
  std::size_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<EventStore>();
    state.ResumeTiming();
    events = importer.import_lines(*store, text).events;
    state.PauseTiming();
    store.reset();
    state.ResumeTiming();
  }
  set_bytes(state, text.size());
  state.counters["events"] = static_cast<double>(events);
}

void BM_CloudEventsDecode(benchmark::State& state) {
  const std::string& text = sample();
  ce::Decoder decoder;
  for (auto _ : state) benchmark::DoNotOptimize(decoder.decode_lines(text).size());
  set_bytes(state, text.size());
}

// The peer's view of one event: owned strings, since nlohmann's values die with the document.
struct PeerEvent {
  std::string subject, type, source, content_type, data;
  std::optional<orchestrix::Uuid> id;
  std::optional<orchestrix::Timestamp> time;
};

std::string string_member(const nlohmann::json& j, const char* name) {
  const auto it = j.find(name);
  return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}

// Parses the lines with nlohmann-json into `events` and appends them, one append per stream.
std::size_t peer_import(EventStore& store, std::string_view text, std::vector<PeerEvent>& events,
                        std::vector<EventData>& data) {
  events.clear();
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const nlohmann::json j = nlohmann::json::parse(line);
    PeerEvent e;
    e.subject = string_member(j, "subject");
    e.type = string_member(j, "type");
    e.source = string_member(j, "source");
    e.content_type = string_member(j, "datacontenttype");
    orchestrix::Uuid id;
    if (orchestrix::Uuid::try_parse(string_member(j, "id"), id)) e.id = id;
    const std::string time = string_member(j, "time");
    if (!time.empty()) {
      orchestrix::Timestamp t;
      ce::TimeFormat format;
      const char* why = nullptr;
      if (!ce::detail::parse_rfc3339(time, t, format, why)) throw std::runtime_error(why);
      e.time = t;
    }
    if (const auto d = j.find("data"); d != j.end()) e.data = d->dump();
    events.push_back(std::move(e));
  }
  // Group by stream in order of first appearance, as the importer does.
  std::unordered_map<std::string_view, std::vector<std::size_t>> groups;
  std::vector<std::string_view> order;
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto [it, added] = groups.try_emplace(events[i].subject);
    if (added) order.push_back(events[i].subject);
    it->second.push_back(i);
  }
  for (const std::string_view stream : order) {
    data.clear();
    for (const std::size_t i : groups[stream]) {
      const PeerEvent& p = events[i];
      EventData d;
      d.type = p.type;
      d.source = p.source;
      d.content_type = p.content_type;
      d.id = p.id;
      d.time = p.time;
      d.data = std::as_bytes(std::span<const char>(p.data.data(), p.data.size()));
      data.push_back(d);
    }
    store.append(stream, data);
  }
  return events.size();
}

void BM_NlohmannImport(benchmark::State& state) {
  const std::string& text = sample();
  std::vector<PeerEvent> events;
  std::vector<EventData> data;
  std::size_t n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<EventStore>();
    peer_import(*store, text, events, data);  // warm the buffers
    store = std::make_unique<EventStore>();
    state.ResumeTiming();
    n = peer_import(*store, text, events, data);
    state.PauseTiming();
    store.reset();
    state.ResumeTiming();
  }
  set_bytes(state, text.size());
  state.counters["events"] = static_cast<double>(n);
}

EventStore& filled_store() {
  static EventStore store;
  static const bool filled = [] {
    ce::Importer importer;
    importer.import_lines(store, sample());
    return true;
  }();
  (void)filled;
  return store;
}

void BM_CloudEventsExport(benchmark::State& state) {
  const EventStore& store = filled_store();
  ce::Exporter exporter;
  std::string out;
  exporter.append_log_lines(out, store);
  for (auto _ : state) {
    out.clear();
    exporter.append_log_lines(out, store);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, out.size());
}

void BM_NlohmannExport(benchmark::State& state) {
  const EventStore& store = filled_store();
  std::string out;
  auto write = [&] {
    for (const EventView& e : store.read_all()) {
      nlohmann::ordered_json j;
      j["specversion"] = "1.0";
      j["id"] = e.id().to_string();
      j["source"] = e.source();
      j["type"] = e.type();
      j["subject"] = e.stream();
      char time[ce::detail::kMaxRfc3339Size];
      j["time"] = std::string(
          time, ce::detail::format_rfc3339(e.time(), ce::canonical_time_format(e.time()), time));
      if (!e.content_type().empty()) j["datacontenttype"] = e.content_type();
      const auto bytes = e.data();
      j["data"] = nlohmann::ordered_json::parse(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      out += j.dump();
      out += '\n';
    }
  };
  write();
  for (auto _ : state) {
    out.clear();
    write();
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, out.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (!load_sample()) {
    std::fprintf(stderr,
                 "bench_cloudevents: data/webhooks/cloudevents.jsonl is absent (run "
                 "tools/fetch-sample or tools/dev setup): skipped\n");
    return 0;
  }
  ORCHESTRIX_BENCHMARK(BM_CloudEventsImport)->Unit(benchmark::kMillisecond);
  ORCHESTRIX_BENCHMARK(BM_CloudEventsDecode)->Unit(benchmark::kMillisecond);
  ORCHESTRIX_BENCHMARK(BM_NlohmannImport)->Unit(benchmark::kMillisecond);
  ORCHESTRIX_BENCHMARK(BM_CloudEventsExport)->Unit(benchmark::kMillisecond);
  ORCHESTRIX_BENCHMARK(BM_NlohmannExport)->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
