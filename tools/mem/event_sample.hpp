// The user's own events for `orchestrix-mem budget|swap --input FILE`: a file of CloudEvents
// JSON lines (one event per line, blank lines skipped), read one line at a time, decoded and
// checked by orchestrix::cloudevents::Decoder, and kept as the store's fields of each event,
// ready to be appended again and again (input_source.hpp cycles them).
//
// What is kept per event: the stream it goes to (StreamBy), type, source, content type, the data
// bytes and the attribute blob (orchestrix/cloudevents/attribute_blob.hpp) of the event as it is
// appended: with a fresh UUID id and a fresh time in its canonical form, so the blob keeps only
// what those leave out (a subject that is not the stream, dataschema, extensions, the mark of
// data_base64 or of an event without time). Ids and times of the file are not kept.
//
// Memory: the file is streamed (one line in memory at a time, plus the decoder's buffers of about
// twice the longest line and simdjson's of about six times); the copies come from chunks of at
// least 1 MiB on the default heap, counted by held_bytes() together with the per-event index.
// That is the tool's cost of the sample, never part of the store's bytes.
// Errors: load() throws orchestrix::InvalidArgument for an unreadable file, a file without
// events and an event the store cannot take (a field above the store's limits), naming the file
// and the line; cloudevents::FormatError (an InvalidArgument) for a malformed or non-conforming
// line, with its 1-based line number and the attribute. Nothing is kept from a file that fails.
// Thread safety: immutable after load(); any number of threads may read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrix/timestamp.hpp"

namespace orchestrix::tools {

// Which attribute names an event's stream. kSubject: the subject, or the source for an event
// without one.
enum class StreamBy : std::uint8_t { kSubject, kSource, kType };

// "subject", "source" or "type", and back (nullopt for anything else).
std::string_view stream_by_name(StreamBy by) noexcept;
std::optional<StreamBy> parse_stream_by(std::string_view text) noexcept;

struct SampleEvent {
  std::string_view stream;
  std::string_view type;
  std::string_view source;
  std::string_view content_type;
  std::span<const std::byte> data;
  std::span<const std::byte> attributes;  // the attribute blob, empty when nothing is extra
  bool has_time = false;                  // false: appended copies carry no "time" either
  // Bytes of the event as CloudEvents JSON (compact, orchestrix::cloudevents' writer) with a
  // fresh UUID id and without its "time" member; time_member_bytes() adds that member's bytes.
  std::uint64_t json_bytes_without_time = 0;
  std::uint64_t data_json_bytes = 0;  // bytes of its "data" or "data_base64" member's value
};

// Bytes the member ,"time":"<canonical RFC 3339 form of t>" takes in compact JSON.
std::uint64_t time_member_bytes(Timestamp t) noexcept;

class EventSample {
 public:
  static EventSample load(const std::string& path, StreamBy stream_by);
  // The same reading and checks (and errors) without keeping the events: held_bytes() is 0 and
  // events() empty, the other figures are those load() gives. Memory: one line and the
  // decoder's buffers at a time, and the distinct stream names.
  static EventSample check(const std::string& path, StreamBy stream_by);
  std::uint64_t event_count() const noexcept { return event_count_; }

  EventSample(EventSample&&) noexcept;
  EventSample& operator=(EventSample&&) noexcept;
  ~EventSample();

  std::span<const SampleEvent> events() const noexcept { return events_; }
  const std::string& path() const noexcept { return path_; }
  StreamBy stream_by() const noexcept { return stream_by_; }
  std::uint64_t file_bytes() const noexcept { return file_bytes_; }  // every byte of the file
  std::uint64_t data_bytes() const noexcept { return data_bytes_; }  // data member values
  std::uint64_t held_bytes() const noexcept { return held_bytes_; }  // the copies and index
  std::uint64_t streams() const noexcept { return streams_; }        // distinct stream names
  // The earliest "time" of the sample (appended copies start there); nullopt when none has one.
  std::optional<Timestamp> first_time() const noexcept { return first_time_; }

 private:
  EventSample() = default;
  static EventSample read(const std::string& path, StreamBy stream_by, bool keep_events);
  std::span<std::byte> allocate(std::size_t bytes);
  std::string_view keep(std::string_view text);
  std::span<const std::byte> keep(std::span<const std::byte> bytes);

  std::string path_;
  StreamBy stream_by_ = StreamBy::kSubject;
  std::vector<SampleEvent> events_;
  std::vector<std::unique_ptr<std::byte[]>> chunks_;
  std::size_t chunk_left_ = 0;
  std::byte* chunk_next_ = nullptr;
  std::uint64_t file_bytes_ = 0;
  std::uint64_t data_bytes_ = 0;
  std::uint64_t chunk_bytes_ = 0;
  std::uint64_t held_bytes_ = 0;
  std::uint64_t streams_ = 0;
  std::uint64_t event_count_ = 0;
  std::optional<Timestamp> first_time_;
};

}  // namespace orchestrix::tools
