// memtest_real_rss: RSS after compaction on the webhook sample, one allocator per process
// (docs/compression.md, "RSS after compaction"):
//
//   build/release/memtests/memtest_real_rss <system|arena|pool> <on|off>
//   build/release/memtests/memtest_real_rss_mimalloc mimalloc <on|off>
//
// Loads 100k events cycled from data/webhooks/cloudevents.jsonl (compression on or off),
// snapshots every stream at its head with drop_before_snapshot, compacts, and prints VmRSS
// before the store, VmHWM, VmRSS after compact() and after the allocator's own release
// (pool: release_empty_slabs(); mimalloc: mi_collect(true)), each also as the share of what
// the store added at the peak. Exit code 2 for bad arguments or no sample.
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/pool_resource.hpp"
#include "orchestrix/alloc/process_memory.hpp"
#include "orchestrix/alloc/registry.hpp"
#include "orchestrix/cloudevents/attribute_blob.hpp"
#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/cloudevents_store/event_data.hpp"
#include "orchestrix/event_store.hpp"
#if defined(ORCHESTRIX_MEMTEST_DRIVER_MIMALLOC)
#include <mimalloc.h>

#include "orchestrix/alloc/mimalloc_resource.hpp"
#endif

using namespace orchestrix;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <allocator> <on|off>\n", argv[0]);
    return 2;
  }
#if defined(ORCHESTRIX_MEMTEST_DRIVER_MIMALLOC)
  alloc::register_mimalloc_resource();
#endif
  const std::string_view name = argv[1];
  const bool compression = std::string_view(argv[2]) == "on";
  std::ifstream in(ORCHESTRIX_WEBHOOK_SAMPLE, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "no sample at %s: run tools/dev setup\n", ORCHESTRIX_WEBHOOK_SAMPLE);
    return 2;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const std::string sample = text.str();
  cloudevents::Decoder decoder;
  const auto events = decoder.decode_lines(sample);
  alloc::reset_peak_rss();
  const std::uint64_t base =
      alloc::read_process_memory().value_or(alloc::ProcessMemory{}).rss_bytes;
  auto resource = alloc::make_resource(name);
  std::uint64_t peak = 0;
  std::uint64_t after = 0;
  std::uint64_t released = 0;
  {
    alloc::InstrumentedResource memory(resource.get());
    StoreOptions o;
    o.memory = &memory;
    o.compression.enabled = compression;
    o.retention = RetentionPolicy::drop_before_snapshot();
    EventStore store(o);
    std::set<std::string, std::less<>> streams;
    for (std::uint64_t i = 0; i < 100'000; ++i) {
      const cloudevents::CloudEvent& ce = events[i % events.size()];
      const cloudevents::StoreFields f = cloudevents::store_fields(ce);
      EventData e = cloudevents::event_data(f);
      e.id.reset();  // fresh ids: the store assigns them
      const std::string_view stream = ce.subject.empty() ? ce.source : ce.subject;
      streams.emplace(stream);
      store.append(stream, std::span<const EventData>(&e, 1));
    }
    for (const std::string& s : streams) {
      if (const auto v = store.stream_version(s)) store.save_snapshot(s, {*v + 1, "S", {}});
    }
    (void)store.compact();
    const auto m = alloc::read_process_memory().value_or(alloc::ProcessMemory{});
    peak = m.hwm_bytes;
    after = m.rss_bytes;
    if (name == "pool") static_cast<alloc::PoolResource*>(resource.get())->release_empty_slabs();
#if defined(ORCHESTRIX_MEMTEST_DRIVER_MIMALLOC)
    if (name == "mimalloc") mi_collect(true);
#endif
    released = alloc::read_process_memory().value_or(alloc::ProcessMemory{}).rss_bytes;
  }
  auto share = [&](std::uint64_t rss) {
    return 100.0 * static_cast<double>(rss > base ? rss - base : 0) /
           static_cast<double>(peak > base ? peak - base : 1);
  };
  std::printf(
      "%s, compression %s: RSS before the store %.1f MB, peak %.1f MB, after compact %.1f MB "
      "(%.1f%% of the store's peak), after the allocator's release %.1f MB (%.1f%%)\n",
      std::string(name).c_str(), compression ? "on" : "off", static_cast<double>(base) / 1e6,
      static_cast<double>(peak) / 1e6, static_cast<double>(after) / 1e6, share(after),
      static_cast<double>(released) / 1e6, share(released));
  return 0;
}
