// A store with a directory: everything acknowledged comes back after closing and reopening
// (appends, snapshots, retention, compaction; compression on and off; every durability mode),
// appends continue after a reopen, a FaultFileSystem crash() keeps what kOnCommit acknowledged,
// and the directory lock keeps a second store out (in this process and in a forked child).
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "orchestrix/alloc/instrumented_resource.hpp"
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/durable/fault_file_system.hpp"
#include "orchestrix/errors.hpp"
#include "store_access.hpp"
#include "store_durable_support.hpp"

using namespace orchestrix;
using namespace orchestrix::test;
using detail::StoreAccess;
using durable::FaultFileSystem;

namespace {

StoreOptions durable_options(Durability mode = Durability::kOnCommit, bool compression = false) {
  StoreOptions o;
  o.directory = "store";
  o.durability = mode;
  o.segment_bytes = 64 * 1024;
  o.compression.enabled = compression;
  return o;
}

void run(EventStore& store, const Script& s, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) s.changes[i](store);
}

}  // namespace

TEST_CASE("durable store: a new directory starts empty and holds one log file") {
  FaultFileSystem fs;
  {
    auto store = StoreAccess::open(durable_options(), fs);
    CHECK(store->head_position().value == 0);
    CHECK(fs.exists("store/log-000001.orx"));
    CHECK(store->memory_stats().log_file_bytes == durable::kFileHeaderSize);
  }
  auto store = StoreAccess::open(durable_options(), fs);
  CHECK(store->head_position().value == 0);
  CHECK(store->memory_stats().log_file_bytes == durable::kFileHeaderSize);
}

TEST_CASE("durable store: round trip of a scripted history, compression off and on") {
  for (const bool compression : {false, true}) {
    CAPTURE(compression);
    const Script s = make_script(11, 160);
    FaultFileSystem fs;
    const StoreOptions o = durable_options(Durability::kOnCommit, compression);
    const std::vector<std::string> expected = prefix_dumps(s, o);
    {
      auto store = StoreAccess::open(o, fs);
      run(*store, s, 0, 100);
      CHECK(dump(*store, s.streams) == expected[100]);
      CHECK(store->memory_stats().log_file_bytes > 100);
    }
    {
      auto store = StoreAccess::open(o, fs);  // reopen
      CHECK(dump(*store, s.streams) == expected[100]);
      StoreAccess::check_invariants(*store);
      run(*store, s, 100, 160);  // expected-version checks continue where they were
      CHECK(dump(*store, s.streams) == expected[160]);
    }
    for (int again = 0; again < 2; ++again) {  // reopen twice
      auto store = StoreAccess::open(o, fs);
      CHECK(dump(*store, s.streams) == expected[160]);
      StoreAccess::check_invariants(*store);
    }
    // The other compression setting reads the same log.
    auto other = StoreAccess::open(durable_options(Durability::kOnCommit, !compression), fs);
    CHECK(dump(*other, s.streams) == expected[160]);
  }
}

TEST_CASE("durable store: events without ids or times keep the ones they were given") {
  FaultFileSystem fs;
  std::string before;
  {
    auto store = StoreAccess::open(durable_options(), fs);
    Batch one(1, "single");
    store->append("a", one.span());
    Batch many(300, "many");  // several runs, several segments
    for (auto& e : many.owned) e.data.resize(500, 'x');
    many.rebuild();
    store->append("b", many.span());
    Batch empty(3, "");
    for (auto& e : empty.owned) e.data.clear();
    empty.rebuild();
    store->append("a", empty.span());
    before = dump(*store, {"a", "b"});
  }
  auto store = StoreAccess::open(durable_options(), fs);
  CHECK(dump(*store, {"a", "b"}) == before);
  CHECK(store->stream_version("a") == 3);
  CHECK(store->stream_version("b") == 299);
  CHECK_THROWS_AS(store->append("a", Batch(1).span(), ExpectedVersion::exact(2)), ConcurrencyError);
  CHECK(store->append("a", Batch(1).span(), ExpectedVersion::exact(3)).first_version == 4);
  CHECK(store->append("c", Batch(2).span()).first_position.value == 305);
}

TEST_CASE("durable store: an idempotent retry after reopening is recognised, not logged again") {
  FaultFileSystem fs;
  const Batch b(4, "r", true);
  std::uint64_t size = 0;
  {
    auto store = StoreAccess::open(durable_options(), fs);
    CHECK(store->append("s", b.span(), ExpectedVersion::no_stream()).written);
    size = store->memory_stats().log_file_bytes;
  }
  auto store = StoreAccess::open(durable_options(), fs);
  const AppendResult r = store->append("s", b.span(), ExpectedVersion::no_stream());
  CHECK_FALSE(r.written);
  CHECK(r.first_position.value == 0);
  CHECK(store->memory_stats().log_file_bytes == size);
}

TEST_CASE("durable store: each durability mode round-trips; kOnCommit survives crash()") {
  for (const Durability mode : {Durability::kNone, Durability::kOnCommit, Durability::kPeriodic}) {
    CAPTURE(static_cast<int>(mode));
    const Script s = make_script(23, 60);
    const StoreOptions o = durable_options(mode);
    const std::vector<std::string> expected = prefix_dumps(s, o);
    FaultFileSystem fs;
    {
      auto store = StoreAccess::open(o, fs);
      run(*store, s, 0, 60);
    }
    auto store = StoreAccess::open(o, fs);
    CHECK(dump(*store, s.streams) == expected[60]);
  }
  // A crash (the unsynced bytes are gone) right after the acknowledgements, with the store
  // still open: kOnCommit acknowledged only what was synced.
  const Script s = make_script(29, 80);
  const StoreOptions o = durable_options(Durability::kOnCommit);
  const std::vector<std::string> expected = prefix_dumps(s, o);
  for (const std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{37}, std::size_t{80}}) {
    FaultFileSystem fs;
    {
      auto store = StoreAccess::open(o, fs);
      run(*store, s, 0, cut);
      fs.crash();  // before the destructor's close() could sync anything more
    }
    fs.crash();
    auto store = StoreAccess::open(o, fs);
    CHECK(dump(*store, s.streams) == expected[cut]);
  }
}

TEST_CASE("durable store: the log's memory comes from the store's resource and is counted") {
  alloc::InstrumentedResource inst(alloc::system_resource());
  FaultFileSystem fs;
  const Script s = make_script(5, 60);
  StoreOptions o = durable_options();
  o.memory = &inst;
  {
    auto store = StoreAccess::open(o, fs);
    CHECK(store->memory_stats().total_bytes() == inst.bytes_live());
    run(*store, s, 0, 60);
    const StoreMemoryStats m = store->memory_stats();
    CHECK(m.total_bytes() == inst.bytes_live());
    CHECK(m.log_buffer_bytes > 0);  // the writer's frame buffer (the largest frame so far)
    CHECK(m.log_file_bytes == fs.contents("store/log-000001.orx").size());
  }
  CHECK(inst.bytes_live() == 0);
  {
    auto store = StoreAccess::open(o, fs);  // the replay's buffers are given back
    CHECK(store->memory_stats().total_bytes() == inst.bytes_live());
    store->append("new", Batch(3).span());
    CHECK(store->memory_stats().total_bytes() == inst.bytes_live());
  }
  CHECK(inst.bytes_live() == 0);
}

TEST_CASE(
    "durable store: a second store on the same directory gets EWOULDBLOCK until the first goes") {
  FaultFileSystem fs;
  {
    auto first = StoreAccess::open(durable_options(), fs);
    first->append("s", Batch(2).span());
    try {
      auto second = StoreAccess::open(durable_options(), fs);
      FAIL("a second store opened the directory");
    } catch (const IoError& e) {
      CHECK(e.error_number() == EWOULDBLOCK);
    }
    CHECK(first->append("s", Batch(1).span()).first_version == 2);
  }
  auto again = StoreAccess::open(durable_options(), fs);
  CHECK(again->stream_version("s") == 2);
}

TEST_CASE("durable store: a forked child cannot open a directory this process's store holds") {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("orchestrix-store-lock-" + std::to_string(::getpid())))
                              .string();
  std::filesystem::remove_all(dir);
  StoreOptions o;
  o.directory = dir;
  {
    EventStore store(o);
    store.append("s", Batch(1).span());
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 1;
      try {
        EventStore child(o);
      } catch (const IoError& e) {
        code = e.error_number() == EWOULDBLOCK ? 0 : 2;
      } catch (...) {
        code = 3;
      }
      ::_exit(code);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  {
    EventStore store(o);  // released when the first was destroyed
    CHECK(store.stream_version("s") == 0);
  }
  std::filesystem::remove_all(dir);
}
