// Several threads append, snapshot and read on a store with a directory (kOnCommit: their syncs
// are shared), one compacts; then the store is reopened and must show exactly what it showed
// before it was closed. Runs under TSan (label concurrency).
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "orchestrix/durable/fault_file_system.hpp"
#include "store_access.hpp"
#include "store_durable_support.hpp"

using namespace orchestrix;
using namespace orchestrix::test;
using detail::StoreAccess;

TEST_CASE("durable store concurrency: appends, snapshots, reads and compaction, then reopen") {
  for (const Durability mode : {Durability::kOnCommit, Durability::kPeriodic}) {
    CAPTURE(static_cast<int>(mode));
    durable::FaultFileSystem fs;
    StoreOptions o;
    o.directory = "store";
    o.durability = mode;
    o.sync_interval = std::chrono::milliseconds(1);
    o.segment_bytes = 64 * 1024;
    o.compression.enabled = true;
    constexpr int kThreads = 4;
    constexpr int kBatches = 150;
    std::vector<std::string> streams;
    for (int t = 0; t < kThreads; ++t) {
      for (int s = 0; s < 3; ++s) {
        std::string name = numbered("t", static_cast<std::uint64_t>(t));
        name += '-';
        name += std::to_string(s);
        streams.push_back(name);
      }
    }
    std::string before;
    {
      auto store = StoreAccess::open(o, fs);
      std::atomic<bool> done{false};
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          for (int b = 0; b < kBatches; ++b) {
            const std::string& stream = streams[static_cast<std::size_t>(t * 3 + b % 3)];
            Batch batch(1 + static_cast<std::size_t>(b % 7), numbered("p", b));
            const AppendResult r = store->append(stream, batch.span());
            if (b % 10 == 9) {
              if (b == 9) store->set_retention(stream, RetentionPolicy::keep_before_snapshot(2));
              store->save_snapshot(stream, {r.last_version + 1, "S", bytes_of(numbered("s", b))});
            }
          }
        });
      }
      std::thread reader([&] {
        while (!done.load()) {
          std::uint64_t previous = 0;
          for (const EventView& e : store->read_all()) {
            CHECK(e.position().value >= previous);
            previous = e.position().value;
          }
          store->compact(CompactionOptions{0.05});
        }
      });
      for (std::thread& th : threads) th.join();
      done.store(true);
      reader.join();
      StoreAccess::check_invariants(*store);
      before = dump(*store, streams);
      CHECK(store->head_position().value == static_cast<std::uint64_t>(kThreads) * 594);
    }
    auto store = StoreAccess::open(o, fs);
    CHECK(dump(*store, streams) == before);
    StoreAccess::check_invariants(*store);
  }
}
