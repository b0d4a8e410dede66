// Decoder: CloudEvents structured-mode JSON through simdjson's On-Demand API.
//
// The input is copied into a padded buffer; each event is an ondemand object whose members are
// read in one pass. Attribute strings are unescaped by simdjson and copied into the arena (an
// unescaped string is never longer than its JSON text, so an arena as large as the input never
// grows during a call and its views stay put). The data member is walked in full, so that every
// value in it is checked, and its text is the bytes from its first token to the position the
// walk stops at, trailing whitespace trimmed.
#include "orchestrix/cloudevents/decoder.hpp"

#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "base64.hpp"
#include "rfc3339.hpp"
#include "uri.hpp"

namespace orchestrix::cloudevents {
namespace {

namespace od = simdjson::ondemand;

enum Member : unsigned {
  kSpecversion,
  kId,
  kSource,
  kType,
  kSubject,
  kTime,
  kDatacontenttype,
  kDataschema,
  kData,
  kDataBase64,
  kExtensionMember,
};

Member member_of(std::string_view key) noexcept {
  static constexpr std::pair<std::string_view, Member> kMembers[] = {
      {"specversion", kSpecversion},
      {"id", kId},
      {"source", kSource},
      {"type", kType},
      {"subject", kSubject},
      {"time", kTime},
      {"datacontenttype", kDatacontenttype},
      {"dataschema", kDataschema},
      {"data", kData},
      {"data_base64", kDataBase64},
  };
  for (const auto& [name, member] : kMembers) {
    if (name == key) return member;
  }
  return kExtensionMember;
}

bool is_extension_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

bool is_json_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim_right(std::string_view s) noexcept {
  while (!s.empty() && is_json_space(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 8259's number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?, any magnitude.
bool is_json_number(std::string_view s) noexcept {
  std::size_t i = 0;
  const auto digits = [&s, &i] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (digits() == 0) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

}  // namespace

struct Decoder::Impl {
  explicit Impl(std::pmr::memory_resource* resource)
      : input(resource),
        arena(resource),
        events(resource),
        ranges(resource),
        extensions(resource) {}

  std::pmr::vector<char> input;  // the caller's text plus SIMDJSON_PADDING bytes
  std::pmr::vector<char> arena;  // unescaped strings and decoded base64
  std::size_t arena_used = 0;
  std::pmr::vector<CloudEvent> events;
  std::pmr::vector<std::pair<std::size_t, std::size_t>> ranges;  // each event's extensions
  std::pmr::vector<Extension> extensions;
  od::parser parser;
  std::size_t index = 0;  // of the event being read
  std::size_t line = 0;   // 1-based, JSON lines only

  void reset(std::string_view text) {
    events.clear();
    ranges.clear();
    extensions.clear();
    arena_used = 0;
    index = 0;
    line = 0;
    input.resize(text.size() + simdjson::SIMDJSON_PADDING);
    if (!text.empty()) std::memcpy(input.data(), text.data(), text.size());
    std::memset(input.data() + text.size(), 0, simdjson::SIMDJSON_PADDING);
    if (arena.size() < text.size()) arena.resize(text.size());
  }

  [[noreturn]] void fail(Problem problem, std::string_view attribute,
                         std::string_view detail) const {
    throw FormatError(problem, attribute, detail, index, line);
  }
  [[noreturn]] void fail_json(simdjson::error_code error, std::string_view attribute) const {
    fail(Problem::kMalformedJson, attribute, simdjson::error_message(error));
  }

  template <class T>
  T get(simdjson::simdjson_result<T> result, std::string_view attribute) const {
    T value{};
    if (const auto error = std::move(result).get(value)) fail_json(error, attribute);
    return value;
  }

  char* reserve(std::size_t n, std::string_view attribute) {
    if (arena.size() - arena_used < n) {
      // Cannot happen (see the file comment); checked rather than trusted.
      fail(Problem::kMalformedJson, attribute, "decoded text longer than its input");
    }
    char* p = arena.data() + arena_used;
    arena_used += n;
    return p;
  }

  std::string_view keep(std::string_view s, std::string_view attribute) {
    if (s.empty()) return {};
    char* p = reserve(s.size(), attribute);
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // A string attribute; false when its value is null (absent).
  bool string_member(od::value& value, std::string_view name, std::string_view& out) {
    const od::json_type type = get(value.type(), name);
    if (type == od::json_type::null) {
      if (!get(value.is_null(), name)) fail(Problem::kMalformedJson, name, "bad literal");
      return false;
    }
    if (type != od::json_type::string) fail(Problem::kWrongType, name, "expected a string");
    out = keep(get(value.get_string(), name), name);
    return true;
  }

  // Reads every value inside `value`, so that malformed numbers, literals and escapes in data
  // are found (skipping a value would not check them).
  void walk(od::value& value, std::string_view name) {
    switch (get(value.type(), name)) {
      case od::json_type::object:
        for (auto field_result : get(value.get_object(), name)) {
          od::field field = get(field_result, name);
          get(field.unescaped_key(), name);
          walk(field.value(), name);
        }
        break;
      case od::json_type::array:
        for (auto element_result : get(value.get_array(), name)) {
          od::value element = get(element_result, name);
          walk(element, name);
        }
        break;
      case od::json_type::string:
        get(value.get_string(), name);
        break;
      case od::json_type::number: {
        if (!is_json_number(trim_right(value.raw_json_token()))) {
          fail(Problem::kMalformedJson, name, "not a JSON number");
        }
        break;
      }
      case od::json_type::boolean:
        get(value.get_bool(), name);
        break;
      case od::json_type::null:
        if (!get(value.is_null(), name)) fail(Problem::kMalformedJson, name, "bad literal");
        break;
    }
  }

  // The data member's text. A scalar is its own token; an object or array ends where the walk
  // through it stops (the next token).
  std::string_view data_member(od::document& doc, od::value& value) {
    const std::string_view first = value.raw_json_token();
    const od::json_type type = get(value.type(), "data");
    walk(value, "data");
    if (type != od::json_type::object && type != od::json_type::array) return trim_right(first);
    const char* end = get(doc.current_location(), "data");
    return trim_right(std::string_view(first.data(), static_cast<std::size_t>(end - first.data())));
  }

  void extension_member(std::string_view raw_name, od::value& value) {
    if (!is_extension_name(raw_name)) {
      fail(Problem::kBadAttributeName, raw_name,
           "an extension attribute name is lower-case letters a-z and digits 0-9");
    }
    const std::size_t first = ranges.back().first;
    for (std::size_t i = first; i < extensions.size(); ++i) {
      if (extensions[i].name == raw_name) fail(Problem::kDuplicateAttribute, raw_name, "");
    }
    Extension ext;
    switch (get(value.type(), raw_name)) {
      case od::json_type::null:
        if (!get(value.is_null(), raw_name)) {
          fail(Problem::kMalformedJson, raw_name, "bad literal");
        }
        return;  // unset
      case od::json_type::string:
        ext.type = ExtensionType::kString;
        ext.string = keep(get(value.get_string(), raw_name), raw_name);
        break;
      case od::json_type::boolean:
        ext.type = ExtensionType::kBoolean;
        ext.boolean = get(value.get_bool(), raw_name);
        break;
      case od::json_type::number: {
        const std::string_view token = trim_right(value.raw_json_token());
        std::size_t i = !token.empty() && token[0] == '-' ? 1 : 0;
        const bool integral =
            i < token.size() && token.find_first_not_of("0123456789", i) == std::string_view::npos;
        std::int64_t v = 0;
        if (!integral || value.get_int64().get(v) != simdjson::SUCCESS || v < INT32_MIN ||
            v > INT32_MAX) {
          fail(Problem::kWrongType, raw_name,
               "a number extension must be an integer from -2147483648 to 2147483647");
        }
        ext.type = ExtensionType::kInteger;
        ext.integer = static_cast<std::int32_t>(v);
        break;
      }
      default:
        fail(Problem::kWrongType, raw_name, "expected a string, a number or a boolean");
    }
    ext.name = keep(raw_name, raw_name);
    extensions.push_back(ext);
  }

  void event(od::document& doc, od::object object) {
    CloudEvent e;
    ranges.emplace_back(extensions.size(), 0);
    unsigned seen = 0;     // members met
    unsigned present = 0;  // required members met with a non-null value
    std::string_view specversion;
    bool has_specversion = false;
    std::string_view time_text;
    for (auto field_result : object) {
      od::field field = get(field_result, "");
      const std::string_view key = get(field.unescaped_key(), "");
      od::value& value = field.value();
      const Member member = member_of(key);
      if (member != kExtensionMember) {
        if ((seen & (1U << member)) != 0) fail(Problem::kDuplicateAttribute, key, "");
        seen |= 1U << member;
      }
      switch (member) {
        case kSpecversion:
          has_specversion = string_member(value, key, specversion);
          break;
        case kId:
          if (string_member(value, key, e.id)) present |= 1U << member;
          break;
        case kSource:
          if (string_member(value, key, e.source)) present |= 1U << member;
          break;
        case kType:
          if (string_member(value, key, e.type)) present |= 1U << member;
          break;
        case kSubject:
          if (string_member(value, key, e.subject) && e.subject.empty()) {
            fail(Problem::kBadValue, key, "must not be empty");
          }
          break;
        case kDatacontenttype:
          if (string_member(value, key, e.datacontenttype) && e.datacontenttype.empty()) {
            fail(Problem::kBadValue, key, "must not be empty");
          }
          break;
        case kDataschema:
          if (string_member(value, key, e.dataschema) && !detail::is_absolute_uri(e.dataschema)) {
            fail(Problem::kBadValue, key, "must be an absolute URI (RFC 3986)");
          }
          break;
        case kTime:
          if (string_member(value, key, time_text)) {
            Timestamp t;
            const char* why = nullptr;
            if (!detail::parse_rfc3339(time_text, t, e.time_format, why)) {
              fail(Problem::kBadTime, key, why);
            }
            e.time = t;
          }
          break;
        case kData: {
          if ((seen & (1U << kDataBase64)) != 0) fail(Problem::kDataConflict, key, "");
          const std::string_view text = data_member(doc, value);
          e.data_kind = DataKind::kJson;
          e.data = std::as_bytes(std::span(text.data(), text.size()));
          break;
        }
        case kDataBase64: {
          if ((seen & (1U << kData)) != 0) fail(Problem::kDataConflict, key, "");
          const od::json_type type = get(value.type(), key);
          if (type == od::json_type::null) {
            if (!get(value.is_null(), key)) fail(Problem::kMalformedJson, key, "bad literal");
            break;
          }
          if (type != od::json_type::string) fail(Problem::kWrongType, key, "expected a string");
          const std::string_view text = get(value.get_string(), key);
          auto* out = reinterpret_cast<std::byte*>(reserve(text.size() / 4 * 3, key));
          const char* why = nullptr;
          const std::size_t n = detail::base64_decode(text, out, why);
          if (why != nullptr) fail(Problem::kInvalidBase64, key, why);
          arena_used -= text.size() / 4 * 3 - n;
          e.data_kind = DataKind::kBinary;
          e.data = std::span<const std::byte>(out, n);
          break;
        }
        case kExtensionMember:
          extension_member(key, value);
          break;
      }
    }
    if (!has_specversion) fail(Problem::kMissingAttribute, "specversion", "");
    if (specversion != "1.0") {
      fail(Problem::kUnknownSpecVersion, "specversion", "only \"1.0\" is accepted");
    }
    static constexpr std::pair<std::string_view, std::string_view CloudEvent::*> kRequired[] = {
        {"id", &CloudEvent::id}, {"source", &CloudEvent::source}, {"type", &CloudEvent::type}};
    for (const auto& [name, field] : kRequired) {
      if ((present & (1U << member_of(name))) == 0) fail(Problem::kMissingAttribute, name, "");
      if ((e.*field).empty()) fail(Problem::kBadValue, name, "must not be empty");
    }
    if (!detail::is_uri_reference(e.source)) {
      fail(Problem::kBadValue, "source", "must be a URI-reference (RFC 3986 characters)");
    }
    ranges.back().second = extensions.size() - ranges.back().first;
    events.push_back(e);
  }

  void document_event(od::document& doc) {
    od::object object;
    if (doc.get_object().get(object) != simdjson::SUCCESS) {
      fail(Problem::kMalformedJson, "", "an event must be a JSON object");
    }
    event(doc, object);
    if (!at_end(doc)) fail(Problem::kMalformedJson, "", "characters after the event");
  }

  // True when nothing but whitespace follows the root value just read.
  static bool at_end(od::document& doc) noexcept {
    const char* location = nullptr;
    return doc.current_location().get(location) != simdjson::SUCCESS;
  }

  od::document iterate(const char* begin, std::size_t size) {
    const std::size_t capacity = input.size() - static_cast<std::size_t>(begin - input.data());
    od::document doc;
    if (const auto error = parser.iterate(begin, size, capacity).get(doc)) fail_json(error, "");
    return doc;
  }

  void finish() {
    for (std::size_t i = 0; i < events.size(); ++i) {
      events[i].extensions =
          std::span<const Extension>(extensions.data() + ranges[i].first, ranges[i].second);
    }
  }
};

Decoder::Decoder(std::pmr::memory_resource* resource)
    : impl_(std::pmr::polymorphic_allocator<Impl>(resource).new_object<Impl>(resource)) {}

Decoder::~Decoder() {
  std::pmr::polymorphic_allocator<Impl>(impl_->input.get_allocator().resource())
      .delete_object(impl_);
}

const CloudEvent& Decoder::decode_event(std::string_view json) {
  Impl& d = *impl_;
  d.reset(json);
  od::document doc = d.iterate(d.input.data(), json.size());
  d.document_event(doc);
  d.finish();
  return d.events.front();
}

std::span<const CloudEvent> Decoder::decode_batch(std::string_view json) {
  Impl& d = *impl_;
  d.reset(json);
  od::document doc = d.iterate(d.input.data(), json.size());
  od::array array;
  if (doc.get_array().get(array) != simdjson::SUCCESS) {
    d.fail(Problem::kMalformedJson, "", "a batch must be a JSON array");
  }
  for (auto element_result : array) {
    od::value element = d.get(element_result, "");
    od::object object;
    if (element.get_object().get(object) != simdjson::SUCCESS) {
      d.fail(Problem::kMalformedJson, "", "an event must be a JSON object");
    }
    d.event(doc, object);
    ++d.index;
  }
  if (!Impl::at_end(doc)) d.fail(Problem::kMalformedJson, "", "characters after the batch");
  d.finish();
  return d.events;
}

std::span<const CloudEvent> Decoder::decode_lines(std::string_view text) {
  Impl& d = *impl_;
  d.reset(text);
  const char* const begin = d.input.data();
  const char* const end = begin + text.size();
  const char* line = begin;
  while (line < end) {
    ++d.line;
    const auto* nl =
        static_cast<const char*>(std::memchr(line, '\n', static_cast<std::size_t>(end - line)));
    const char* line_end = nl == nullptr ? end : nl;
    std::string_view content(line, static_cast<std::size_t>(line_end - line));
    if (!trim_right(content).empty()) {
      od::document doc = d.iterate(line, content.size());
      d.document_event(doc);
      ++d.index;
    }
    line = nl == nullptr ? end : nl + 1;
  }
  d.finish();
  return d.events;
}

std::size_t Decoder::bytes_held() const noexcept {
  const Impl& d = *impl_;
  return sizeof(Impl) + d.input.capacity() + d.arena.capacity() +
         d.events.capacity() * sizeof(CloudEvent) +
         d.ranges.capacity() * sizeof(std::pair<std::size_t, std::size_t>) +
         d.extensions.capacity() * sizeof(Extension);
}

}  // namespace orchestrix::cloudevents
