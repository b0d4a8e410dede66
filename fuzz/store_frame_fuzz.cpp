// libFuzzer target for the store's log (engine/store/src/persist): the frame payload decoders on
// raw bytes, and the recovery of a whole log file by a store (both recovery policies). The first
// input byte (mod 7) picks what the rest is: 0 a batch payload, 1 a snapshot payload, 2 a
// retention payload, 3 frames of a log file (after a valid file header; checkpoint frames
// included), 4 a stream base payload, 5 a checkpoint end payload, 6 a packed-batches payload. A
// decoder either accepts a payload (a batch's events must then lie inside it) or throws
// CorruptionError; a store either opens (and passes its invariant walk) or throws CorruptionError.
// Anything else is a bug. Built by the `fuzz` preset; run with `tools/dev fuzz [seconds]`; seed
// corpus in fuzz/corpus/store_frame/ (written by tests/store/store_durable_frames_test.cpp).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <orchestrix/durable/fault_file_system.hpp>
#include <orchestrix/durable/log_format.hpp>
#include <orchestrix/errors.hpp>
#include <span>
#include <vector>

#include "persist/packed_frames.hpp"
#include "persist/store_frames.hpp"
#include "store_access.hpp"

namespace {

using namespace orchestrix;
using namespace orchestrix::detail;

void require(bool condition) {
  if (!condition) __builtin_trap();
}

bool inside(std::span<const std::byte> outer, std::span<const std::byte> inner) {
  return inner.empty() || (inner.data() >= outer.data() &&
                           inner.data() + inner.size() <= outer.data() + outer.size());
}

void decode(std::uint8_t kind, std::span<const std::byte> payload) {
  const FrameOrigin origin{"fuzz/log", 36};
  try {
    switch (kind) {
      case 0: {
        BatchFrame f(std::pmr::get_default_resource());
        decode_batch(payload, 1U << 20, origin, f);
        require(!f.events.empty());
        for (const EventData& e : f.events) {
          require(inside(payload, e.data) && inside(payload, e.attributes));
          require(e.id.has_value() && e.time.has_value() && !e.type.empty());
        }
        return;
      }
      case 1: {
        const SnapshotFrame f = decode_snapshot(payload, 1U << 20, origin);
        require(inside(payload, f.snapshot.state) && !f.stream.empty());
        return;
      }
      case 2:
        (void)decode_retention(payload, origin);
        return;
      case 4: {
        const StreamBaseFrame f = decode_stream_base(payload, origin);
        require(!f.stream.empty() && f.version != 0);
        return;
      }
      case 5:
        (void)decode_checkpoint_end(payload, origin);
        return;
      default: {
        FrameUnpacker unpacker(std::pmr::get_default_resource());
        unpacker.unpack(payload, origin, [](std::span<const std::byte> b) { require(!b.empty()); });
        return;
      }
    }
  } catch (const CorruptionError& e) {
    require(e.offset() == 36);
  }
}

void recover(std::span<const std::byte> frames, RecoveryPolicy policy) {
  durable::FaultFileSystem fs;
  std::vector<std::byte> file(durable::kFileHeaderSize);
  durable::encode_file_header({durable::kFormatVersion, Uuid::v4_from_bits(3, 4)},
                              std::span(file).first<durable::kFileHeaderSize>());
  file.insert(file.end(), frames.begin(), frames.end());
  fs.set_contents("store/log-000001.orx", file);
  StoreOptions o;
  o.directory = "store";
  o.recovery = policy;
  o.segment_bytes = 64 * 1024;
  try {
    auto store = StoreAccess::open(o, fs);
    StoreAccess::check_invariants(*store);
    for (const EventView& e : store->read_all()) require(!e.type().empty());
  } catch (const CorruptionError& e) {
    require(e.offset() <= file.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  const std::uint8_t kind = data[0] % 7;
  if (kind != 3) {
    decode(kind, rest);
  } else {
    recover(rest, RecoveryPolicy::kRefuse);
    recover(rest, RecoveryPolicy::kSalvage);
  }
  return 0;
}
