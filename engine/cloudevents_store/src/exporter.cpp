#include "orchestrix/cloudevents_store/exporter.hpp"

#include <cstring>

namespace orchestrix::cloudevents {

Exporter::Exporter(std::pmr::memory_resource* resource) : restored_(resource) {}

const CloudEvent& Exporter::restore(const EventView& event) {
  const StoredEvent stored{event.stream(), event.type(), event.source(), event.content_type(),
                           event.id(),     event.time(), event.data()};
  return restored_.restore(stored, event.attributes());
}

void Exporter::flatten_line_breaks(char* p, std::size_t n) noexcept {
  for (const char c : {'\n', '\r'}) {
    char* at = p;
    char* const end = p + n;
    while ((at = static_cast<char*>(std::memchr(at, c, static_cast<std::size_t>(end - at)))) !=
           nullptr) {
      *at++ = ' ';
    }
  }
}

std::size_t Exporter::append_stream_lines(std::string& out, const EventStore& store,
                                          std::string_view stream, std::uint64_t from_version) {
  return append_lines(out, store.read(stream, from_version));
}

std::size_t Exporter::append_log_lines(std::string& out, const EventStore& store, Position from) {
  return append_lines(out, store.read_all(from));
}

}  // namespace orchestrix::cloudevents
