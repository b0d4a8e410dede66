// The store's frame payloads (persist/store_frames.hpp): every field round-trips, and every
// malformed payload (each truncation, trailing bytes, bad lengths and flags, random bytes) is
// rejected with CorruptionError naming the file and frame offset, without reading out of bounds.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory_resource>

#include "orchestrix/detail/splitmix64.hpp"
#include "orchestrix/durable/fault_file_system.hpp"
#include "orchestrix/durable/log_format.hpp"
#include "orchestrix/errors.hpp"
#include "persist/packed_frames.hpp"
#include "persist/store_frames.hpp"
#include "store_access.hpp"
#include "store_test_util.hpp"

using namespace orchestrix;
using namespace orchestrix::detail;
using orchestrix::detail::StoreAccess;
using orchestrix::test::bytes_of;

namespace {

const FrameOrigin kOrigin{"dir/log-000001.orx", 4242};
constexpr std::size_t kMaxData = 1 << 20;

std::pmr::vector<std::byte> sample_batch(std::vector<Uuid>& generated) {
  static const std::string big(5000, 'B');
  static const std::string attrs = "attr";
  std::vector<EventData> events(3);
  events[0].type = "T0";
  events[0].data = bytes_of("hello");
  events[0].id = Uuid::v4_from_bits(1, 2);
  events[0].time = Timestamp(-5);
  events[1].type = "T1";
  events[1].source = "/src";
  events[1].content_type = "text/plain";
  events[1].correlation_id = Uuid::v4_from_bits(3, 4);
  events[1].causation_id = Uuid::v4_from_bits(5, 6);
  events[1].data = bytes_of(big);
  events[1].attributes = bytes_of(attrs);
  events[2].type = "T2";  // no id, no time, empty data
  generated = {Uuid{}, Uuid{}, Uuid::v4_from_bits(7, 8)};
  std::pmr::vector<std::byte> out;
  const std::size_t field = encode_batch(out, "stream-x", 0, events, generated, 99);
  patch_batch_position(out, field - 8, 17);
  patch_batch_position(out, field, 1'000'000);
  return out;
}

}  // namespace

TEST_CASE("store frames: a batch round-trips every field") {
  std::vector<Uuid> generated;
  const std::pmr::vector<std::byte> payload = sample_batch(generated);
  BatchFrame f(std::pmr::get_default_resource());
  decode_batch(payload, kMaxData, kOrigin, f);
  CHECK(f.stream == "stream-x");
  CHECK(f.first_version == 17);
  CHECK(f.first_position == 1'000'000);
  REQUIRE(f.events.size() == 3);
  CHECK(f.events[0].id == Uuid::v4_from_bits(1, 2));
  CHECK(f.events[0].time->unix_nanos() == -5);
  CHECK(test::text_of(f.events[0].data) == "hello");
  CHECK_FALSE(f.events[0].correlation_id.has_value());
  CHECK(f.events[1].source == "/src");
  CHECK(f.events[1].content_type == "text/plain");
  CHECK(f.events[1].correlation_id == Uuid::v4_from_bits(3, 4));
  CHECK(f.events[1].causation_id == Uuid::v4_from_bits(5, 6));
  CHECK(f.events[1].data.size() == 5000);
  CHECK(test::text_of(f.events[1].attributes) == "attr");
  CHECK(f.events[2].id == Uuid::v4_from_bits(7, 8));
  CHECK(f.events[2].time->unix_nanos() == 99);
  CHECK(f.events[2].data.empty());
}

TEST_CASE("store frames: snapshot and retention round-trip") {
  std::pmr::vector<std::byte> s;
  encode_snapshot(s, "agg", SnapshotData{12, "Snap", bytes_of("state")});
  const SnapshotFrame sf = decode_snapshot(s, kMaxData, kOrigin);
  CHECK(sf.stream == "agg");
  CHECK(sf.snapshot.version == 12);
  CHECK(sf.snapshot.type == "Snap");
  CHECK(test::text_of(sf.snapshot.state) == "state");
  std::pmr::vector<std::byte> r;
  encode_retention(r, "agg", RetentionPolicy::keep_before_snapshot(9));
  const RetentionFrame rf = decode_retention(r, kOrigin);
  CHECK(rf.stream == "agg");
  CHECK(rf.policy.kind == RetentionPolicy::Kind::kKeepBeforeSnapshot);
  CHECK(rf.policy.keep_events == 9);
}

TEST_CASE("store frames: every truncation and any trailing byte is CorruptionError") {
  std::vector<Uuid> generated;
  const std::pmr::vector<std::byte> batch = sample_batch(generated);
  std::pmr::vector<std::byte> snap;
  encode_snapshot(snap, "agg", SnapshotData{12, "Snap", bytes_of("state")});
  std::pmr::vector<std::byte> ret;
  encode_retention(ret, "agg", RetentionPolicy::drop_before_snapshot());
  BatchFrame f(std::pmr::get_default_resource());
  for (std::size_t n = 0; n < batch.size(); ++n) {
    CAPTURE(n);
    // A copy of exactly n bytes: a sanitizer build catches any read past it.
    const std::vector<std::byte> cut(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_THROWS_AS(decode_batch(cut, kMaxData, kOrigin, f), CorruptionError);
  }
  for (std::size_t n = 0; n < snap.size(); ++n) {
    const std::vector<std::byte> cut(snap.begin(), snap.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_THROWS_AS(decode_snapshot(cut, kMaxData, kOrigin), CorruptionError);
  }
  for (std::size_t n = 0; n < ret.size(); ++n) {
    const std::vector<std::byte> cut(ret.begin(), ret.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_THROWS_AS(decode_retention(cut, kOrigin), CorruptionError);
  }
  // The checkpoint frames: a stream base, a checkpoint end (and the empty checkpoint begin).
  std::pmr::vector<std::byte> base;
  encode_stream_base(base, "agg", 9);
  std::pmr::vector<std::byte> end;
  encode_checkpoint_end(end, 1234);
  for (std::size_t n = 0; n < base.size(); ++n) {
    const std::vector<std::byte> cut(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_THROWS_AS(decode_stream_base(cut, kOrigin), CorruptionError);
  }
  for (std::size_t n = 0; n < end.size(); ++n) {
    const std::vector<std::byte> cut(end.begin(), end.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_THROWS_AS(decode_checkpoint_end(cut, kOrigin), CorruptionError);
  }
  for (std::pmr::vector<std::byte>* p : {&base, &end}) {
    std::vector<std::byte> trailing(p->begin(), p->end());
    trailing.push_back(std::byte{0});
    CHECK_THROWS_AS(p == &base ? (void)decode_stream_base(trailing, kOrigin)
                               : (void)decode_checkpoint_end(trailing, kOrigin),
                    CorruptionError);
  }
  std::pmr::vector<std::byte> zero_base;
  encode_stream_base(zero_base, "agg", 0);
  CHECK_THROWS_AS(decode_stream_base(zero_base, kOrigin), CorruptionError);
  CHECK_NOTHROW(decode_checkpoint_begin({}, kOrigin));
  CHECK_THROWS_AS(decode_checkpoint_begin(end, kOrigin), CorruptionError);

  // Packed batches: a round trip, then every truncation, a flipped byte in the zstd frame, a
  // wrong packed length and bytes after the frame are CorruptionError.
  {
    FramePacker packer(std::pmr::get_default_resource(), 3);
    packer.add(batch);
    packer.add(batch);
    std::pmr::vector<std::byte> packed;
    packer.finish(packed);
    FrameUnpacker unpacker(std::pmr::get_default_resource());
    int seen = 0;
    unpacker.unpack(packed, kOrigin, [&](std::span<const std::byte> b) {
      CHECK(std::equal(b.begin(), b.end(), batch.begin(), batch.end()));
      ++seen;
    });
    CHECK(seen == 2);
    auto ignore = [](std::span<const std::byte>) {};
    for (std::size_t n = 0; n < packed.size(); ++n) {
      const std::vector<std::byte> cut(packed.begin(),
                                       packed.begin() + static_cast<std::ptrdiff_t>(n));
      CHECK_THROWS_AS(unpacker.unpack(cut, kOrigin, ignore), CorruptionError);
    }
    std::vector<std::byte> flipped(packed.begin(), packed.end());
    flipped[flipped.size() / 2] ^= std::byte{0x5a};
    try {
      unpacker.unpack(flipped, kOrigin, ignore);  // may still decode: then to other bytes
    } catch (const CorruptionError& e) {
      CHECK(e.offset() == 4242);
    }
    std::vector<std::byte> wrong_length(packed.begin(), packed.end());
    wrong_length[0] ^= std::byte{1};
    CHECK_THROWS_AS(unpacker.unpack(wrong_length, kOrigin, ignore), CorruptionError);
    std::vector<std::byte> after(packed.begin(), packed.end());
    after.push_back(std::byte{0});
    CHECK_THROWS_AS(unpacker.unpack(after, kOrigin, ignore), CorruptionError);
  }

  std::vector<std::byte> longer(batch.begin(), batch.end());
  longer.push_back(std::byte{0});
  try {
    decode_batch(longer, kMaxData, kOrigin, f);
    FAIL("trailing byte accepted");
  } catch (const CorruptionError& e) {
    CHECK(e.path() == "dir/log-000001.orx");
    CHECK(e.offset() == 4242);
    CHECK(e.kind() == CorruptionError::Kind::kBadFrame);
  }
  // A data length over the store's limit, an unknown retention kind, unknown event flags.
  CHECK_THROWS_AS(decode_batch(batch, 4000, kOrigin, f), CorruptionError);
  std::vector<std::byte> bad_kind(ret.begin(), ret.end());
  bad_kind[4] = std::byte{7};  // after the 1-byte length and "agg"
  CHECK_THROWS_AS(decode_retention(bad_kind, kOrigin), CorruptionError);
  std::vector<std::byte> bad_flags(batch.begin(), batch.end());
  bad_flags[1 + 8 + 8 + 8 + 1] = std::byte{0x80};  // stream, version, position, count: flags
  CHECK_THROWS_AS(decode_batch(bad_flags, kMaxData, kOrigin, f), CorruptionError);
}

TEST_CASE("store frames: random and mutated bytes never crash the decoders") {
  std::vector<Uuid> generated;
  const std::pmr::vector<std::byte> batch = sample_batch(generated);
  BatchFrame f(std::pmr::get_default_resource());
  std::uint64_t state = 99;
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::byte> bytes(batch.begin(), batch.end());
    const std::uint64_t flips = 1 + detail::splitmix64(state) % 4;
    for (std::uint64_t k = 0; k < flips; ++k) {
      bytes[detail::splitmix64(state) % bytes.size()] =
          static_cast<std::byte>(detail::splitmix64(state) & 0xffU);
    }
    try {
      decode_batch(bytes, kMaxData, kOrigin, f);
      ++accepted;  // a mutation inside data or ids is still a well-formed payload
    } catch (const CorruptionError&) {
    }
    try {
      (void)decode_snapshot(bytes, kMaxData, kOrigin);
    } catch (const CorruptionError&) {
    }
    try {
      (void)decode_retention(bytes, kOrigin);
    } catch (const CorruptionError&) {
    }
  }
  CHECK(accepted > 0);
  CHECK(accepted < 3000);
}

namespace {

void write_file(const std::string& path, const std::vector<std::byte>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  CHECK(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  std::fclose(f);
}

std::vector<std::byte> tagged(std::uint8_t kind, std::span<const std::byte> rest) {
  std::vector<std::byte> out(rest.size() + 1);
  out[0] = static_cast<std::byte>(kind);
  if (!rest.empty()) std::memcpy(out.data() + 1, rest.data(), rest.size());
  return out;
}

}  // namespace

// The seed corpus of fuzz/store_frame_fuzz.cpp (first byte: 0 batch, 1 snapshot, 2 retention,
// 3 the frames of a log file, a plain one and a rewritten one, 4 a stream base, 5 a checkpoint
// end, 6 packed batches). Checked here: each seed is well formed. With
// ORCHESTRIX_WRITE_STORE_FRAME_CORPUS=<dir> it also writes them there (fuzz/corpus/store_frame/
// holds the output).
TEST_CASE("store frames: the fuzz seed corpus is well formed") {
  std::vector<Uuid> generated;
  const std::pmr::vector<std::byte> batch = sample_batch(generated);
  std::pmr::vector<std::byte> snap;
  encode_snapshot(snap, "agg", SnapshotData{12, "Snap", bytes_of("state")});
  std::pmr::vector<std::byte> ret;
  encode_retention(ret, "agg", RetentionPolicy::keep_before_snapshot(4));
  durable::FaultFileSystem fs;
  {
    StoreOptions o;
    o.directory = "store";
    auto store = StoreAccess::open(o, fs);
    test::Batch b(3, "x", true);
    store->append("s", b.span());
    store->set_retention("s", RetentionPolicy::keep_before_snapshot(1));
    store->save_snapshot("s", SnapshotData{2, "Snap", bytes_of("st")});
    store->append("t", test::Batch(2, "y").span());
  }
  const std::vector<std::byte> log = fs.contents("store/log-000001.orx");
  const std::vector<std::byte> frames(log.begin() + durable::kFileHeaderSize, log.end());
  // The same history compacted: the snapshot dropped "s"'s first event, so compact() rewrote the
  // log as a checkpoint (log-000002.orx), its batches packed (compression on).
  {
    StoreOptions o;
    o.directory = "store";
    o.compression.enabled = true;
    auto store = StoreAccess::open(o, fs);
    store->compact();
  }
  REQUIRE(fs.exists("store/log-000002.orx"));
  const std::vector<std::byte> rewritten = fs.contents("store/log-000002.orx");
  const std::vector<std::byte> checkpoint(rewritten.begin() + durable::kFileHeaderSize,
                                          rewritten.end());
  std::pmr::vector<std::byte> base;
  encode_stream_base(base, "agg", 7);
  std::pmr::vector<std::byte> end;
  encode_checkpoint_end(end, 42);
  FramePacker packer(std::pmr::get_default_resource(), 3);
  packer.add(batch);
  std::pmr::vector<std::byte> packed;
  packer.finish(packed);
  CHECK(decode_stream_base(base, kOrigin).version == 7);
  CHECK(decode_checkpoint_end(end, kOrigin) == 42);

  BatchFrame f(std::pmr::get_default_resource());
  decode_batch(batch, kMaxData, kOrigin, f);
  (void)decode_snapshot(snap, kMaxData, kOrigin);
  (void)decode_retention(ret, kOrigin);
  CHECK(frames.size() > 100);

  if (const char* dir = std::getenv("ORCHESTRIX_WRITE_STORE_FRAME_CORPUS")) {
    const std::string d(dir);
    write_file(d + "/batch", tagged(0, batch));
    write_file(d + "/snapshot", tagged(1, snap));
    write_file(d + "/retention", tagged(2, ret));
    write_file(d + "/log_frames", tagged(3, frames));
    write_file(d + "/checkpoint_frames", tagged(3, checkpoint));
    write_file(d + "/stream_base", tagged(4, base));
    write_file(d + "/checkpoint_end", tagged(5, end));
    write_file(d + "/packed", tagged(6, packed));
  }
}
