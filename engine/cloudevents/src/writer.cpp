// The structured-mode JSON writer: one template over the output string type.
#include "orchestrix/cloudevents/writer.hpp"

#include <cstdint>

#include "base64.hpp"
#include "rfc3339.hpp"

namespace orchestrix::cloudevents {
namespace {

// 1 for the bytes a JSON string must escape: '"', '\\' and the control characters.
constexpr bool needs_escape(unsigned char c) noexcept { return c < 0x20 || c == '"' || c == '\\'; }

template <class String>
void append_escaped(String& out, std::string_view s) {
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!needs_escape(c)) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"", 2);
        break;
      case '\\':
        out.append("\\\\", 2);
        break;
      case '\n':
        out.append("\\n", 2);
        break;
      case '\r':
        out.append("\\r", 2);
        break;
      case '\t':
        out.append("\\t", 2);
        break;
      case '\b':
        out.append("\\b", 2);
        break;
      case '\f':
        out.append("\\f", 2);
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(u, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

template <class String>
void append_member(String& out, std::string_view name, std::string_view value) {
  out.push_back(',');
  append_escaped(out, name);
  out.push_back(':');
  append_escaped(out, value);
}

template <class String>
void append_int(String& out, std::int32_t v) {
  char buf[12];
  char* p = buf + sizeof buf;
  auto u = v < 0 ? 0U - static_cast<std::uint32_t>(v) : static_cast<std::uint32_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) *--p = '-';
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

template <class String>
void append_event(String& out, const CloudEvent& e) {
  const std::size_t data_size =
      e.data_kind == DataKind::kBinary ? detail::base64_encoded_size(e.data.size()) : e.data.size();
  out.reserve(out.size() + data_size + 256 + e.id.size() + e.source.size() + e.type.size() +
              e.subject.size() + e.dataschema.size() + e.extensions.size() * 32);
  out.append(R"({"specversion":"1.0")");
  append_member(out, "id", e.id);
  append_member(out, "source", e.source);
  append_member(out, "type", e.type);
  if (!e.subject.empty()) append_member(out, "subject", e.subject);
  if (e.time) {
    char buf[detail::kMaxRfc3339Size];
    out.append(R"(,"time":")");
    if (e.time_format.sub_nanosecond_digits.empty()) {
      out.append(buf, detail::format_rfc3339(*e.time, e.time_format, buf));
    } else {
      String text(out.get_allocator());
      text.resize(detail::kMaxRfc3339Size + e.time_format.sub_nanosecond_digits.size());
      text.resize(detail::format_rfc3339(*e.time, e.time_format, text.data()));
      out.append(text);
    }
    out.push_back('"');
  }
  if (!e.datacontenttype.empty()) append_member(out, "datacontenttype", e.datacontenttype);
  if (!e.dataschema.empty()) append_member(out, "dataschema", e.dataschema);
  for (const Extension& x : e.extensions) {
    out.push_back(',');
    append_escaped(out, x.name);
    out.push_back(':');
    switch (x.type) {
      case ExtensionType::kString:
        append_escaped(out, x.string);
        break;
      case ExtensionType::kInteger:
        append_int(out, x.integer);
        break;
      case ExtensionType::kBoolean:
        out.append(x.boolean ? "true" : "false");
        break;
    }
  }
  if (e.data_kind == DataKind::kJson) {
    out.append(R"(,"data":)");
    out.append(reinterpret_cast<const char*>(e.data.data()), e.data.size());
  } else if (e.data_kind == DataKind::kBinary) {
    out.append(R"(,"data_base64":")");
    const std::size_t at = out.size();
    out.resize(at + data_size);
    detail::base64_encode(e.data, out.data() + at);
    out.push_back('"');
  }
  out.push_back('}');
}

template <class String>
void append_lines_impl(String& out, std::span<const CloudEvent> events) {
  for (const CloudEvent& e : events) {
    append_event(out, e);
    out.push_back('\n');
  }
}

template <class String>
void append_batch_impl(String& out, std::span<const CloudEvent> events) {
  out.push_back('[');
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i != 0) out.push_back(',');
    append_event(out, events[i]);
  }
  out.push_back(']');
}

}  // namespace

void append_json(std::string& out, const CloudEvent& event) { append_event(out, event); }
void append_json(std::pmr::string& out, const CloudEvent& event) { append_event(out, event); }
void append_lines(std::string& out, std::span<const CloudEvent> events) {
  append_lines_impl(out, events);
}
void append_lines(std::pmr::string& out, std::span<const CloudEvent> events) {
  append_lines_impl(out, events);
}
void append_batch(std::string& out, std::span<const CloudEvent> events) {
  append_batch_impl(out, events);
}
void append_batch(std::pmr::string& out, std::span<const CloudEvent> events) {
  append_batch_impl(out, events);
}

}  // namespace orchestrix::cloudevents
