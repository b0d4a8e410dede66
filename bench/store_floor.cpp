// The floors of bench_store's batch scenarios: what encoding / decoding the seed fields costs
// with nothing else around it. Written here, not calling the store, with the store's varint
// scheme (LEB128, zigzag time deltas) and its record layout: head varint (shape id << 3), time
// delta, 16-byte id, data length, data. The type, source and content type are one interned
// shape id, as in the store; no index, no lock, no allocation in the loop.
//   BM_FloorEncodeBatch/N   encode N seed events into a flat buffer (the floor of SaveBatch/N)
//   BM_FloorDecodeBatch/N   decode them back, every field (the floor of LoadBatch/N)
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "orchestrix/seed_workload.hpp"
#include "registration.hpp"
#include "store_scenarios.hpp"

namespace {

using orchestrix::EventData;
using orchestrix::bench::SeedBatch;

std::byte* put_varint(std::byte* p, std::uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<std::byte>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<std::byte>(v);
  return p;
}

const std::byte* get_varint(const std::byte* p, std::uint64_t& out) {
  std::uint64_t v = 0;
  int shift = 0;
  for (;;) {
    const auto b = static_cast<std::uint64_t>(*p++);
    v |= (b & 0x7F) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  out = v;
  return p;
}

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

constexpr std::uint64_t kShapeId = 0;

std::size_t encode(std::span<const EventData> events, std::byte* out) {
  std::byte* p = out;
  std::int64_t previous = events.empty() ? 0 : events[0].time->unix_nanos();
  for (const EventData& e : events) {
    const std::int64_t time = e.time->unix_nanos();
    p = put_varint(p, kShapeId << 3);
    p = put_varint(p, zigzag(time - previous));
    previous = time;
    std::memcpy(p, e.id->bytes().data(), 16);
    p += 16;
    p = put_varint(p, e.data.size());
    std::memcpy(p, e.data.data(), e.data.size());
    p += e.data.size();
  }
  return static_cast<std::size_t>(p - out);
}

struct Decoded {
  std::uint64_t shape = 0;
  std::int64_t time = 0;
  const std::byte* id = nullptr;
  std::span<const std::byte> data;
};

std::size_t buffer_bytes(std::span<const EventData> events) {
  std::size_t n = 0;
  for (const EventData& e : events) n += 2 + 10 + 16 + 10 + e.data.size();
  return n;
}

void BM_FloorEncodeBatch(benchmark::State& state) {
  const SeedBatch batch(static_cast<std::uint32_t>(state.range(0)));
  std::vector<std::byte> buffer(buffer_bytes(batch.events()));
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes = encode(batch.events(), buffer.data());
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["bytes_per_event"] =
      static_cast<double>(bytes) / static_cast<double>(state.range(0));
}
ORCHESTRIX_BENCHMARK(BM_FloorEncodeBatch)->Arg(100)->Arg(1000)->Arg(10000);

void BM_FloorDecodeBatch(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const SeedBatch batch(static_cast<std::uint32_t>(n));
  std::vector<std::byte> buffer(buffer_bytes(batch.events()));
  encode(batch.events(), buffer.data());
  const std::int64_t base_time = batch.events()[0].time->unix_nanos();
  for (auto _ : state) {
    const std::byte* p = buffer.data();
    Decoded d;
    d.time = base_time;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t v = 0;
      p = get_varint(p, v);
      d.shape = v >> 3;
      p = get_varint(p, v);
      d.time += unzigzag(v);
      d.id = p;
      p += 16;
      p = get_varint(p, v);
      d.data = {p, static_cast<std::size_t>(v)};
      p += v;
      benchmark::DoNotOptimize(d);
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
ORCHESTRIX_BENCHMARK(BM_FloorDecodeBatch)->Arg(100)->Arg(1000)->Arg(10000);

}  // namespace
