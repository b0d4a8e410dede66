// The attribute blob: tagged entries, each a one-byte tag and its fields (varints and
// length-prefixed texts). The byte format is in docs/cloudevents.md ("Attribute blob").
#include "orchestrix/cloudevents/attribute_blob.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#include "orchestrix/errors.hpp"
#include "varint.hpp"

namespace orchestrix::cloudevents {
namespace {

enum Tag : std::uint8_t {
  kTagId = 1,
  kTagSubject = 2,
  kTagNoSubject = 3,
  kTagTimeFormat = 4,
  kTagNoTime = 5,
  kTagDataschema = 6,
  kTagBase64 = 7,
  kTagExtString = 8,
  kTagExtInteger = 9,
  kTagExtTrue = 10,
  kTagExtFalse = 11,
};

constexpr std::array<std::uint8_t, 256> make_hex_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = 0xf0;  // any high bit marks "not a lower-case hex digit"
  for (int c = '0'; c <= '9'; ++c)
    t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c)
    t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'a' + 10);
  return t;
}
constexpr std::array<std::uint8_t, 256> kLowerHex = make_hex_table();
// Where the 32 hex digits of "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" are.
constexpr std::uint8_t kDigitAt[32] = {0,  1,  2,  3,  4,  5,  6,  7,  9,  10, 11,
                                       12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25,
                                       26, 27, 28, 29, 30, 31, 32, 33, 34, 35};

// Whether `id` is a UUID in the canonical lower-case form (the one Uuid::write_to gives back,
// so such an id survives as 16 bytes); its bytes go to `out`. Branch-free over the digits:
// random hex digits would defeat a branch predictor.
bool lower_uuid(std::string_view id, std::array<std::uint8_t, 16>& out) noexcept {
  if (id.size() != 36) return false;
  unsigned bad =
      static_cast<unsigned>((id[8] ^ '-') | (id[13] ^ '-') | (id[18] ^ '-') | (id[23] ^ '-'));
  for (std::size_t i = 0; i < 16; ++i) {
    const std::uint8_t hi = kLowerHex[static_cast<unsigned char>(id[kDigitAt[2 * i]])];
    const std::uint8_t lo = kLowerHex[static_cast<unsigned char>(id[kDigitAt[2 * i + 1]])];
    bad |= (hi | lo) & 0xf0U;
    out[i] = static_cast<std::uint8_t>((hi << 4) | (lo & 0x0f));
  }
  return bad == 0;
}

bool is_lower_uuid(std::string_view id) noexcept {
  std::array<std::uint8_t, 16> bytes{};
  return lower_uuid(id, bytes);
}

std::size_t text_size(std::string_view s) noexcept {
  return detail::varint_size(s.size()) + s.size();
}

std::size_t put_text(std::span<std::byte> out, std::size_t pos, std::string_view s) noexcept {
  pos = detail::put_varint(out, pos, s.size());
  if (!s.empty()) std::memcpy(out.data() + pos, s.data(), s.size());
  return pos + s.size();
}

// The time-format entry's first varint: fraction digits (bits 0-3), offset kind (bits 4-5),
// "sub-nanosecond digits follow" (bit 6).
std::uint64_t time_head(const TimeFormat& f) noexcept {
  return std::uint64_t{f.fraction_digits} |
         (std::uint64_t{static_cast<std::uint8_t>(f.offset)} << 4) |
         (f.sub_nanosecond_digits.empty() ? 0U : 1U << 6);
}

// Calls visit(tag, size, writer) for each entry the event needs, in blob order. Used twice: to
// size the blob and to write it.
template <class Visit>
void entries(const CloudEvent& e, std::string_view stream, Visit&& visit) {
  using detail::put_varint;
  using detail::varint_size;
  if (!is_lower_uuid(e.id)) {
    visit(kTagId, text_size(e.id),
          [&](std::span<std::byte> o, std::size_t p) { return put_text(o, p, e.id); });
  }
  if (e.subject != stream) {
    if (e.subject.empty()) {
      visit(kTagNoSubject, 0, [](std::span<std::byte>, std::size_t p) { return p; });
    } else {
      visit(kTagSubject, text_size(e.subject),
            [&](std::span<std::byte> o, std::size_t p) { return put_text(o, p, e.subject); });
    }
  }
  if (!e.time) {
    visit(kTagNoTime, 0, [](std::span<std::byte>, std::size_t p) { return p; });
  } else if (!(e.time_format == canonical_time_format(*e.time))) {
    const TimeFormat& f = e.time_format;
    const std::uint64_t head = time_head(f);
    std::size_t size = varint_size(head);
    if (f.offset != UtcOffset::kZulu) size += varint_size(f.offset_minutes);
    if (!f.sub_nanosecond_digits.empty()) size += text_size(f.sub_nanosecond_digits);
    visit(kTagTimeFormat, size, [&f, head](std::span<std::byte> o, std::size_t p) {
      p = put_varint(o, p, head);
      if (f.offset != UtcOffset::kZulu) p = put_varint(o, p, f.offset_minutes);
      if (!f.sub_nanosecond_digits.empty()) p = put_text(o, p, f.sub_nanosecond_digits);
      return p;
    });
  }
  if (!e.dataschema.empty()) {
    visit(kTagDataschema, text_size(e.dataschema),
          [&](std::span<std::byte> o, std::size_t p) { return put_text(o, p, e.dataschema); });
  }
  if (e.data_kind == DataKind::kBinary) {
    visit(kTagBase64, 0, [](std::span<std::byte>, std::size_t p) { return p; });
  }
  for (const Extension& x : e.extensions) {
    switch (x.type) {
      case ExtensionType::kString:
        visit(kTagExtString, text_size(x.name) + text_size(x.string),
              [&x](std::span<std::byte> o, std::size_t p) {
                return put_text(o, put_text(o, p, x.name), x.string);
              });
        break;
      case ExtensionType::kInteger: {
        const std::uint64_t z = detail::zigzag(x.integer);
        visit(kTagExtInteger, text_size(x.name) + varint_size(z),
              [&x, z](std::span<std::byte> o, std::size_t p) {
                return put_varint(o, put_text(o, p, x.name), z);
              });
        break;
      }
      case ExtensionType::kBoolean:
        visit(x.boolean ? kTagExtTrue : kTagExtFalse, text_size(x.name),
              [&x](std::span<std::byte> o, std::size_t p) { return put_text(o, p, x.name); });
        break;
    }
  }
}

[[noreturn]] void corrupt(const char* what) {
  throw InvalidArgument(std::string("CloudEvent attribute blob: ") + what);
}

std::string_view get_text(std::span<const std::byte> in, std::size_t& pos) {
  std::uint64_t n = 0;
  if (!detail::get_varint(in, pos, n) || n > in.size() - pos) corrupt("truncated text");
  const std::string_view s(reinterpret_cast<const char*>(in.data()) + pos,
                           static_cast<std::size_t>(n));
  pos += static_cast<std::size_t>(n);
  return s;
}

std::uint64_t get_number(std::span<const std::byte> in, std::size_t& pos) {
  std::uint64_t v = 0;
  if (!detail::get_varint(in, pos, v)) corrupt("truncated number");
  return v;
}

}  // namespace

StoreFields store_fields(const CloudEvent& event) noexcept {
  StoreFields f;
  f.type = event.type;
  f.source = event.source;
  f.content_type = event.datacontenttype;
  std::array<std::uint8_t, 16> bytes{};
  if (lower_uuid(event.id, bytes)) f.id = Uuid(bytes);
  f.time = event.time;
  f.data = event.data;
  return f;
}

std::size_t attribute_blob_size(const CloudEvent& event, std::string_view stream) noexcept {
  std::size_t size = 0;
  entries(event, stream, [&size](Tag, std::size_t n, auto&&) { size += 1 + n; });
  return size;
}

void write_attribute_blob(const CloudEvent& event, std::string_view stream,
                          std::span<std::byte> out) noexcept {
  std::size_t pos = 0;
  entries(event, stream, [&](Tag tag, std::size_t, auto&& write) {
    out[pos++] = static_cast<std::byte>(tag);
    pos = write(out, pos);
  });
}

RestoredEvent::RestoredEvent(std::pmr::memory_resource* resource) : extensions_(resource) {}

const CloudEvent& RestoredEvent::restore(const StoredEvent& stored,
                                         std::span<const std::byte> blob) {
  CloudEvent e;
  extensions_.clear();
  bool has_id = false;
  bool has_subject = false;
  bool has_time_format = false;
  bool no_time = false;
  bool binary = false;
  TimeFormat format;
  std::size_t pos = 0;
  while (pos < blob.size()) {
    const auto tag = static_cast<std::uint8_t>(blob[pos++]);
    switch (tag) {
      case kTagId:
        e.id = get_text(blob, pos);
        has_id = true;
        break;
      case kTagSubject:
        e.subject = get_text(blob, pos);
        has_subject = true;
        break;
      case kTagNoSubject:
        has_subject = true;
        break;
      case kTagTimeFormat: {
        const std::uint64_t head = get_number(blob, pos);
        if ((head & 15) > 9 || ((head >> 4) & 3) > 2 || head >> 7 != 0) corrupt("bad time format");
        format.fraction_digits = static_cast<std::uint8_t>(head & 15);
        format.offset = static_cast<UtcOffset>((head >> 4) & 3);
        if (format.offset != UtcOffset::kZulu) {
          const std::uint64_t minutes = get_number(blob, pos);
          if (minutes >= 24 * 60) corrupt("bad UTC offset");
          format.offset_minutes = static_cast<std::uint16_t>(minutes);
        }
        if ((head & (1U << 6)) != 0) format.sub_nanosecond_digits = get_text(blob, pos);
        has_time_format = true;
        break;
      }
      case kTagNoTime:
        no_time = true;
        break;
      case kTagDataschema:
        e.dataschema = get_text(blob, pos);
        break;
      case kTagBase64:
        binary = true;
        break;
      case kTagExtString:
      case kTagExtInteger:
      case kTagExtTrue:
      case kTagExtFalse: {
        Extension x;
        x.name = get_text(blob, pos);
        if (tag == kTagExtString) {
          x.string = get_text(blob, pos);
        } else if (tag == kTagExtInteger) {
          const std::int64_t v = detail::unzigzag(get_number(blob, pos));
          if (v < INT32_MIN || v > INT32_MAX) corrupt("extension integer out of range");
          x.type = ExtensionType::kInteger;
          x.integer = static_cast<std::int32_t>(v);
        } else {
          x.type = ExtensionType::kBoolean;
          x.boolean = tag == kTagExtTrue;
        }
        extensions_.push_back(x);
        break;
      }
      default:
        corrupt("unknown entry tag");
    }
  }
  if (!has_id) {
    stored.id.write_to(id_text_);
    e.id = std::string_view(id_text_, sizeof id_text_);
  }
  e.source = stored.source;
  e.type = stored.type;
  if (!has_subject) e.subject = stored.stream;
  e.datacontenttype = stored.content_type;
  if (!no_time) {
    e.time = stored.time;
    e.time_format = has_time_format ? format : canonical_time_format(stored.time);
  }
  e.data = stored.data;
  e.data_kind = binary                ? DataKind::kBinary
                : stored.data.empty() ? DataKind::kNone
                                      : DataKind::kJson;
  e.extensions = extensions_;
  event_ = e;
  return event_;
}

}  // namespace orchestrix::cloudevents
