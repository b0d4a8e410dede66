#include "event_sample.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <unordered_set>

#include "orchestrix/cloudevents/attribute_blob.hpp"
#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/cloudevents/writer.hpp"
#include "orchestrix/errors.hpp"

namespace orchestrix::tools {
namespace {

namespace ce = orchestrix::cloudevents;

constexpr std::size_t kChunkBytes = 1024 * 1024;
// The store's limits (orchestrix/event.hpp, event_store.hpp, StoreOptions::max_payload_bytes).
constexpr std::size_t kMaxStreamBytes = 1024;
constexpr std::size_t kMaxTypeBytes = 255;
constexpr std::size_t kMaxSourceBytes = 1024;
constexpr std::size_t kMaxContentTypeBytes = 255;
constexpr std::size_t kMaxDataBytes = 1024 * 1024;
// The id every appended copy is written with when measuring its JSON (any canonical UUID: the
// text is 36 characters whatever the id).
constexpr std::string_view kPlaceholderId = "00000000-0000-7000-8000-000000000000";

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

std::string_view stream_of(const ce::CloudEvent& e, StreamBy by) {
  switch (by) {
    case StreamBy::kSubject:
      return e.subject.empty() ? e.source : e.subject;
    case StreamBy::kSource:
      return e.source;
    case StreamBy::kType:
      return e.type;
  }
  return e.source;
}

void check_limit(const std::string& path, std::size_t line, std::string_view what,
                 std::size_t bytes, std::size_t limit) {
  if (bytes <= limit) return;
  throw InvalidArgument(path + ": line " + std::to_string(line) +
                        ": the store cannot take this event: " + std::string(what) + " is " +
                        std::to_string(bytes) + " bytes (the store's limit is " +
                        std::to_string(limit) + ")");
}

std::uint64_t data_member_value_bytes(const ce::CloudEvent& e) {
  switch (e.data_kind) {
    case ce::DataKind::kNone:
      return 0;
    case ce::DataKind::kJson:
      return e.data.size();
    case ce::DataKind::kBinary:
      return 2 + 4 * ((e.data.size() + 2) / 3);  // quotes around padded base64
  }
  return 0;
}

}  // namespace

std::string_view stream_by_name(StreamBy by) noexcept {
  switch (by) {
    case StreamBy::kSubject:
      return "subject";
    case StreamBy::kSource:
      return "source";
    case StreamBy::kType:
      return "type";
  }
  return "subject";
}

std::optional<StreamBy> parse_stream_by(std::string_view text) noexcept {
  if (text == "subject") return StreamBy::kSubject;
  if (text == "source") return StreamBy::kSource;
  if (text == "type") return StreamBy::kType;
  return std::nullopt;
}

std::uint64_t time_member_bytes(Timestamp t) noexcept {
  // ,"time":"YYYY-MM-DDTHH:MM:SS[.fraction]Z"  (years 1678..2262 have four digits)
  const unsigned digits = ce::canonical_time_format(t).fraction_digits;
  return 10 + 20 + (digits == 0 ? 0 : 1 + digits);
}

EventSample::EventSample(EventSample&&) noexcept = default;
EventSample& EventSample::operator=(EventSample&&) noexcept = default;
EventSample::~EventSample() = default;

std::span<std::byte> EventSample::allocate(std::size_t bytes) {
  if (bytes > chunk_left_) {
    const std::size_t size = std::max(kChunkBytes, bytes);
    chunks_.push_back(std::make_unique<std::byte[]>(size));
    chunk_next_ = chunks_.back().get();
    chunk_left_ = size;
    chunk_bytes_ += size;
  }
  std::span<std::byte> out(chunk_next_, bytes);
  chunk_next_ += bytes;
  chunk_left_ -= bytes;
  return out;
}

std::string_view EventSample::keep(std::string_view text) {
  if (text.empty()) return {};
  const std::span<std::byte> out = allocate(text.size());
  std::memcpy(out.data(), text.data(), text.size());
  return {reinterpret_cast<const char*>(out.data()), out.size()};
}

std::span<const std::byte> EventSample::keep(std::span<const std::byte> bytes) {
  if (bytes.empty()) return {};
  const std::span<std::byte> out = allocate(bytes.size());
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

EventSample EventSample::load(const std::string& path, StreamBy stream_by) {
  return read(path, stream_by, true);
}

EventSample EventSample::check(const std::string& path, StreamBy stream_by) {
  return read(path, stream_by, false);
}

EventSample EventSample::read(const std::string& path, StreamBy stream_by, bool keep_events) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InvalidArgument("cannot read --input file '" + path + "': " + std::strerror(errno));
  }
  EventSample s;
  s.path_ = path;
  s.stream_by_ = stream_by;
  ce::Decoder decoder;
  std::unordered_set<std::string_view> names;  // kept copies of streams, types, sources
  std::unordered_set<std::string_view> streams;
  const auto intern = [&](std::string_view text) {
    if (const auto it = names.find(text); it != names.end()) return *it;
    return *names.insert(s.keep(text)).first;
  };
  std::string line;
  std::string json;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    s.file_bytes_ += line.size() + (in.eof() ? 0 : 1);
    if (blank(line)) continue;
    const std::size_t index = s.event_count_;
    ce::CloudEvent e;
    try {
      e = decoder.decode_event(line);
    } catch (const ce::FormatError& error) {
      throw ce::FormatError(error.problem(), error.attribute(), error.detail(), index, line_number);
    }
    const std::string_view stream = stream_of(e, stream_by);
    check_limit(path, line_number, "the stream id", stream.size(), kMaxStreamBytes);
    check_limit(path, line_number, "type", e.type.size(), kMaxTypeBytes);
    check_limit(path, line_number, "source", e.source.size(), kMaxSourceBytes);
    check_limit(path, line_number, "datacontenttype", e.datacontenttype.size(),
                kMaxContentTypeBytes);
    check_limit(path, line_number, "data", e.data.size(), kMaxDataBytes);

    // The event as each appended copy is: a fresh UUID id, a fresh canonical time (or none).
    ++s.event_count_;
    const bool has_time = e.time.has_value();
    if (has_time && (!s.first_time_ || e.time->unix_nanos() < s.first_time_->unix_nanos())) {
      s.first_time_ = e.time;
    }
    if (!keep_events) {
      s.data_bytes_ += data_member_value_bytes(e);
      if (const auto it = names.find(stream); it == names.end()) {
        names.insert(s.keep(stream));  // the stream names only
      }
      continue;
    }
    e.id = kPlaceholderId;
    const Timestamp placeholder_time = e.time.value_or(Timestamp{});
    e.time.reset();
    json.clear();
    ce::append_json(json, e);
    const std::uint64_t without_time = json.size();
    if (has_time) {
      e.time = placeholder_time;
      e.time_format = ce::canonical_time_format(placeholder_time);
      json.clear();
      ce::append_json(json, e);
      if (json.size() != without_time + time_member_bytes(placeholder_time)) {
        throw std::logic_error("orchestrix-mem: the JSON size of a time member is miscounted");
      }
    }

    SampleEvent kept;
    kept.stream = intern(stream);
    kept.type = intern(e.type);
    kept.source = intern(e.source);
    kept.content_type = intern(e.datacontenttype);
    kept.data = s.keep(e.data);
    const std::size_t blob_size = ce::attribute_blob_size(e, stream);
    if (blob_size > 0) {
      const std::span<std::byte> blob = s.allocate(blob_size);
      ce::write_attribute_blob(e, stream, blob);
      kept.attributes = blob;
    }
    kept.has_time = has_time;
    kept.json_bytes_without_time = without_time;
    kept.data_json_bytes = data_member_value_bytes(e);
    s.data_bytes_ += kept.data_json_bytes;
    streams.insert(kept.stream);
    s.events_.push_back(kept);
  }
  if (in.bad()) {
    throw InvalidArgument("cannot read --input file '" + path + "': " + std::strerror(errno));
  }
  if (s.event_count_ == 0) {
    throw InvalidArgument("--input file '" + path + "' holds no event (" +
                          (s.file_bytes_ == 0 ? std::string("it is empty")
                                              : std::to_string(line_number) + " blank lines") +
                          ")");
  }
  s.events_.shrink_to_fit();
  s.streams_ = keep_events ? streams.size() : names.size();
  if (!keep_events) return s;
  s.held_bytes_ = s.chunk_bytes_ + s.events_.capacity() * sizeof(SampleEvent) +
                  s.chunks_.capacity() * sizeof(s.chunks_[0]);
  return s;
}

}  // namespace orchestrix::tools
