#include "orchestrix/cloudevents_store/importer.hpp"

#include <algorithm>
#include <memory_resource>
#include <span>
#include <unordered_map>
#include <vector>

#include "json_lines.hpp"
#include "orchestrix/cloudevents/attribute_blob.hpp"
#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/cloudevents_store/event_data.hpp"

namespace orchestrix::cloudevents {
namespace {

// The store's limits (orchestrix/event.hpp, EventStore::append), checked before any append.
constexpr std::size_t kMaxStreamBytes = 1024;
constexpr std::size_t kMaxTypeBytes = 255;
constexpr std::size_t kMaxSourceBytes = 1024;
constexpr std::size_t kMaxContentTypeBytes = 255;
constexpr std::size_t kMaxAttributeBytes = 65'536;

// The attribute that contributes most to an oversized blob.
std::string_view largest_blob_attribute(const CloudEvent& e, std::string_view stream) {
  std::string_view name = "id";
  std::size_t size = e.id.size();
  if (e.subject != stream && e.subject.size() > size) {
    name = "subject";
    size = e.subject.size();
  }
  if (e.dataschema.size() > size) {
    name = "dataschema";
    size = e.dataschema.size();
  }
  for (const Extension& x : e.extensions) {
    const std::size_t n = x.name.size() + x.string.size();
    if (n > size) {
      name = x.name;
      size = n;
    }
  }
  return name;
}

}  // namespace

struct Importer::Impl {
  Impl(const ImportOptions& o, std::pmr::memory_resource* r)
      : options(o),
        decoder(r),
        streams(r),
        blob_ends(r),
        blobs(r),
        group_of(r),
        groups(r),
        group_ids(r),
        staged(r) {}

  struct Group {
    std::string_view stream;
    std::size_t count = 0;
    std::size_t begin = 0;  // index of its first event in `staged`
  };

  ImportOptions options;
  Decoder decoder;
  std::pmr::vector<std::string_view> streams;  // per event
  std::pmr::vector<std::size_t> blob_ends;     // per event: end of its blob in `blobs`
  std::pmr::vector<std::byte> blobs;
  std::pmr::vector<std::uint32_t> group_of;  // per event
  std::pmr::vector<Group> groups;            // in order of first appearance
  std::pmr::unordered_map<std::string_view, std::uint32_t> group_ids;
  std::pmr::vector<EventData> staged;  // grouped by stream, input order within a stream
  std::size_t appended = 0;

  [[noreturn]] void fail(Problem problem, std::string_view attribute, std::string_view detail,
                         std::size_t index, std::string_view lines_text, bool lines) const {
    throw FormatError(problem, attribute, detail, index,
                      lines ? detail::line_of_event(lines_text, index) : 0);
  }

  // Checks every event against the stream rule and the store's limits; fills streams and the
  // blob sizes. Throws FormatError, with nothing appended.
  void check(std::span<const CloudEvent> events, std::string_view text, bool lines) {
    const std::size_t n = events.size();
    streams.resize(n);
    blob_ends.resize(n);
    std::size_t blob_total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const CloudEvent& e = events[i];
      std::string_view stream;
      if (options.stream) {
        stream = options.stream(e);
        if (stream.empty()) {
          fail(Problem::kBadValue, "", "the stream function named an empty stream id", i, text,
               lines);
        }
        if (stream.size() > kMaxStreamBytes) {
          fail(Problem::kBadValue, "", "the stream function named a stream id over 1024 bytes", i,
               text, lines);
        }
      } else {
        stream = e.subject;
        if (stream.empty()) {
          fail(Problem::kMissingAttribute, "subject",
               "the stream id is the subject and the event has none", i, text, lines);
        }
        if (stream.size() > kMaxStreamBytes) {
          fail(Problem::kBadValue, "subject", "over 1024 bytes, the store's stream id limit", i,
               text, lines);
        }
      }
      streams[i] = stream;
      if (e.type.size() > kMaxTypeBytes) {
        fail(Problem::kBadValue, "type", "over 255 bytes, the store's limit", i, text, lines);
      }
      if (e.source.size() > kMaxSourceBytes) {
        fail(Problem::kBadValue, "source", "over 1024 bytes, the store's limit", i, text, lines);
      }
      if (e.datacontenttype.size() > kMaxContentTypeBytes) {
        fail(Problem::kBadValue, "datacontenttype", "over 255 bytes, the store's limit", i, text,
             lines);
      }
      if (e.data.size() > options.max_payload_bytes) {
        fail(Problem::kBadValue, e.data_kind == DataKind::kBinary ? "data_base64" : "data",
             "larger than the store's max_payload_bytes", i, text, lines);
      }
      const std::size_t blob = attribute_blob_size(e, stream);
      if (blob > kMaxAttributeBytes) {
        fail(Problem::kBadValue, largest_blob_attribute(e, stream),
             "the attributes the store's fields do not hold take over 65,536 bytes", i, text,
             lines);
      }
      blob_total += blob;
      blob_ends[i] = blob_total;
    }
    blobs.resize(blob_total);
  }

  // Groups the events by stream (order of first appearance) and stages their EventData.
  void stage(std::span<const CloudEvent> events) {
    const std::size_t n = events.size();
    groups.clear();
    group_ids.clear();
    group_of.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      std::uint32_t g = 0;
      if (i > 0 && streams[i] == streams[i - 1]) {
        g = group_of[i - 1];
      } else {
        const auto [it, added] =
            group_ids.try_emplace(streams[i], static_cast<std::uint32_t>(groups.size()));
        if (added) groups.push_back(Group{streams[i], 0, 0});
        g = it->second;
      }
      group_of[i] = g;
      ++groups[g].count;
    }
    std::size_t begin = 0;
    for (Group& g : groups) {
      g.begin = begin;
      begin += g.count;
      g.count = 0;
    }
    staged.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const CloudEvent& e = events[i];
      const std::size_t blob_begin = i == 0 ? 0 : blob_ends[i - 1];
      const std::span<std::byte> blob(blobs.data() + blob_begin, blob_ends[i] - blob_begin);
      if (!blob.empty()) write_attribute_blob(e, streams[i], blob);
      const StoreFields f = store_fields(e);
      Group& g = groups[group_of[i]];
      EventData& d = staged[g.begin + g.count++];
      d = event_data(f, blob);
    }
  }

  ImportResult run(EventStore& store, std::span<const CloudEvent> events, std::string_view text,
                   bool lines) {
    appended = 0;
    check(events, text, lines);
    stage(events);
    ImportResult r;
    r.events = events.size();
    r.streams = groups.size();
    r.json_bytes = text.size();
    r.blob_bytes = blobs.size();
    for (const Group& g : groups) {
      const AppendResult a =
          store.append(g.stream, std::span<const EventData>(staged.data() + g.begin, g.count),
                       ExpectedVersion::any());
      if (a.written) r.written += a.count;
      ++appended;
    }
    return r;
  }
};

Importer::Importer(const ImportOptions& options, std::pmr::memory_resource* resource)
    : impl_(std::pmr::polymorphic_allocator<Impl>(resource).new_object<Impl>(options, resource)) {}

Importer::~Importer() {
  std::pmr::polymorphic_allocator<Impl>(impl_->streams.get_allocator().resource())
      .delete_object(impl_);
}

ImportResult Importer::import_event(EventStore& store, std::string_view json) {
  const CloudEvent& e = impl_->decoder.decode_event(json);
  return impl_->run(store, std::span<const CloudEvent>(&e, 1), json, false);
}

ImportResult Importer::import_batch(EventStore& store, std::string_view json) {
  return impl_->run(store, impl_->decoder.decode_batch(json), json, false);
}

ImportResult Importer::import_lines(EventStore& store, std::string_view text) {
  return impl_->run(store, impl_->decoder.decode_lines(text), text, true);
}

std::size_t Importer::streams_appended() const noexcept { return impl_->appended; }

std::size_t Importer::bytes_held() const noexcept {
  const Impl& d = *impl_;
  return sizeof(Impl) + d.decoder.bytes_held() + d.streams.capacity() * sizeof(std::string_view) +
         d.blob_ends.capacity() * sizeof(std::size_t) + d.blobs.capacity() +
         d.group_of.capacity() * sizeof(std::uint32_t) + d.groups.capacity() * sizeof(Impl::Group) +
         d.staged.capacity() * sizeof(EventData);
}

}  // namespace orchestrix::cloudevents
