// bench_store_cold: reads of a log whose sealed segments are cold (StoreOptions::resident_bytes,
// docs/residency.md) against the same log all resident, in the same executable and run; with
// compression off and on. Files go through the POSIX file system into a fresh directory under
// the system's temporary directory (removed at the end).
//   BM_ColdReadAll/<compression>/<cold>     read_all over 20,000 events of ~500 bytes (about
//                                           10 MB of records; bytes_per_second: payload per
//                                           core). cold 0: resident_bytes 0 (all in memory);
//                                           1: resident_bytes 64 KiB, cache 1 MiB: nearly every
//                                           segment is read back from its file (pread) on each
//                                           pass.
//   BM_ColdStreamRead/<compression>/<cold>  one 100-event stream among 200 (its runs spread
//                                           over the whole log), cache as above; 50 other
//                                           streams are read before each timed read (untimed),
//                                           which evicts its segments from the cache.
//   BM_SegmentFileRead/<read>/<dropped>/<compression>/<segment KiB>
//       pread against mmap on the same cold segment files of one run (docs/residency.md, "pread
//       or mmap"): 20,000 events spilled by the store (resident_bytes 64 KiB, durability kNone,
//       no dictionary), then each pass reads every seg-*.orx file. read 0: the store's own read
//       (SegmentFiles::read through the POSIX FileSystem: pread of header, block and CRC into
//       buffers from a memory_resource), then zstd into a cache-sized buffer when compressed;
//       1: one pread of the whole file into a buffer from the resource, the same checks, zstd
//       from it; 2: open, fstat, mmap (MAP_PRIVATE, read only), the same checks over the
//       mapping, zstd from the mapping when compressed, munmap; 3: as 2 with MAP_POPULATE.
//       dropped 0: page cache warm; 1: posix_fadvise(DONTNEED) on every file before each pass
//       (untimed). Wall-clock time of the passes (manual time: the I/O wait counts);
//       bytes_per_second: record bytes (`used`) of all files per second, one thread. Each
//       iteration of reads 1-3 also times a pass of read 0, alternately before and after (the
//       CPU column covers both passes).
//       Counters: vs_store_pread (time of those read-0 passes / time of this read's passes in
//       the same iterations: > 1 means faster than the store's read; 1 for read 0), files,
//       file_bytes (one pass), page_cache_fraction (pages of the files in the page cache, from
//       mincore, before the first pass).
//
// Run: build/release/bench/bench_store_cold --benchmark_repetitions=5
//      --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <memory_resource>
#include <string>
#include <vector>

#include "cold/segment_files.hpp"  // the store's own reader of segment files (internal)
#include "orchestrix/alloc/system_resource.hpp"
#include "orchestrix/durable/crc32c.hpp"
#include "orchestrix/durable/file_system.hpp"
#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"

namespace {

using namespace orchestrix;

constexpr std::size_t kEvents = 20'000;
constexpr std::size_t kStreams = 200;

std::string payload(std::uint64_t i) {
  std::string s = "{\"seq\":" + std::to_string(i) + ",\"items\":[";
  std::uint64_t x = i * 2654435761U + 1;
  while (s.size() < 500) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    s += "{\"sku\":\"item-" + std::to_string(x % 997) + "\",\"qty\":" + std::to_string(x % 13) +
         "},";
  }
  s += "{}]}";
  return s;
}

std::string stream_name(std::uint64_t s) { return "order-" + std::to_string(s); }

// How a Fixture's store is configured beyond compression and residency.
struct Layout {
  std::size_t segment_bytes = 64 * 1024;
  bool dictionary = true;
  Durability durability = Durability::kOnCommit;
};

// A store with the benchmark's log, in its own directory (removed by the destructor).
struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<EventStore> store;
  std::uint64_t payload_bytes = 0;

  Fixture(bool compression, bool cold, const Layout& layout = Layout{}) {
    dir = std::filesystem::temp_directory_path() /
          ("orchestrix-bench-cold-" + std::to_string(compression) + std::to_string(cold));
    std::filesystem::remove_all(dir);
    StoreOptions o;
    o.memory = alloc::system_resource();
    o.segment_bytes = layout.segment_bytes;
    o.compression.enabled = compression;
    o.compression.dictionary = layout.dictionary;
    o.compression.cache_bytes = 1024 * 1024;
    o.durability = layout.durability;
    if (cold) {
      o.directory = dir.string();
      o.resident_bytes = 64 * 1024;
    }
    store = std::make_unique<EventStore>(o);
    for (std::uint64_t i = 0; i < kEvents; ++i) {
      const std::string p = payload(i);
      EventData e;
      e.type = "ItemAdded";
      e.source = "/shop";
      e.data = std::as_bytes(std::span<const char>(p.data(), p.size()));
      store->append(stream_name(i % kStreams), std::span<const EventData>(&e, 1));
      payload_bytes += p.size();
    }
  }
  ~Fixture() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
};

void BM_ColdReadAll(benchmark::State& state) {
  Fixture f(state.range(0) != 0, state.range(1) != 0);
  for (auto _ : state) {
    std::uint64_t n = 0;
    for (const EventView& e : f.store->read_all()) n += e.data().size();
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.payload_bytes));
  state.counters["cold_segments"] = static_cast<double>(f.store->memory_stats().cold_segments);
}
BENCHMARK(BM_ColdReadAll)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMillisecond);

void BM_ColdStreamRead(benchmark::State& state) {
  Fixture f(state.range(0) != 0, state.range(1) != 0);
  std::uint64_t s = 0;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (std::uint64_t k = 1; k <= 50; ++k) {
      for (const EventView& e : f.store->read(stream_name((s + k) % kStreams))) {
        benchmark::DoNotOptimize(e.data().size());
      }
    }
    state.ResumeTiming();
    for (const EventView& e : f.store->read(stream_name(s))) bytes += e.data().size();
    s = (s + 51) % kStreams;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_ColdStreamRead)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMicrosecond);

// --- pread vs mmap on the store's cold segment files ---------------------------------------
// The file format is in cold/segment_files.hpp and docs/residency.md: a 40-byte header, the
// block, the masked CRC32C of the block.

constexpr std::size_t kHeader = detail::kSegmentFileHeaderBytes;
constexpr std::size_t kTrailer = detail::kSegmentFileTrailerBytes;
constexpr std::size_t kBufferAlign = alignof(std::max_align_t);
constexpr std::array<char, 8> kMagic = {'O', 'R', 'X', 'S', 'E', 'G', '\r', '\n'};

std::uint32_t get32(const std::byte* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8U) | std::to_integer<std::uint32_t>(p[i]);
  return v;
}
std::uint64_t get64(const std::byte* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8U) | std::to_integer<std::uint64_t>(p[i]);
  return v;
}

// One cold segment file and the facts the store holds in memory about its segment (read from
// the header once, untimed: a store's read never needs to parse them first).
struct ColdFile {
  std::string path;
  detail::SegmentFileFacts facts;
};

// Every seg-*.orx file of `dir`, sorted by name; empty when a file is not one the store wrote
// under its plain name (suffix 0) or its header cannot be read.
std::vector<ColdFile> cold_files(const std::filesystem::path& dir) {
  std::vector<ColdFile> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("seg-", 0) != 0 || !name.ends_with(".orx")) continue;
    std::array<std::byte, kHeader> h{};
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(h.data()), static_cast<std::streamsize>(h.size()))) {
      return {};
    }
    ColdFile f{entry.path().string(),
               {get64(h.data() + 16), get32(h.data() + 24), get32(h.data() + 28),
                get32(h.data() + 32), (get32(h.data() + 12) & 1U) != 0}};
    if (f.path != detail::SegmentFiles(durable::posix_file_system(), dir.string())
                      .path(f.facts.first_position, 0)) {
      return {};
    }
    files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end(),
            [](const ColdFile& a, const ColdFile& b) { return a.path < b.path; });
  return files;
}

// A buffer from a memory_resource, as the store's cache blocks and codec scratch are.
struct Buffer {
  std::pmr::memory_resource* memory;
  std::size_t bytes;
  std::byte* data;
  Buffer(std::pmr::memory_resource* m, std::size_t n)
      : memory(m), bytes(n), data(static_cast<std::byte*>(m->allocate(n, kBufferAlign))) {}
  ~Buffer() { memory->deallocate(data, bytes, kBufferAlign); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
};

bool decompress(ZSTD_DCtx* dctx, std::byte* dst, std::size_t n, const std::byte* frame,
                std::size_t frame_bytes) {
  const std::size_t got = ZSTD_decompressDCtx(dctx, dst, n, frame, frame_bytes);
  return ZSTD_isError(got) == 0 && got == n;
}

// The store's read (codec/segment_cache.cpp, load_cold_locked): SegmentFiles::read preads the
// header, the block and its CRC and checks them; a raw block lands in the cache block, a frame
// in a scratch buffer that is then decompressed into the cache block. Returns the first record
// byte (kept alive for the optimiser). Throws IoError / CorruptionError as the store does.
std::byte read_with_pread(const detail::SegmentFiles& files, const ColdFile& f,
                          std::pmr::memory_resource* memory, ZSTD_DCtx* dctx) {
  Buffer cache(memory, f.facts.used);
  if (!f.facts.compressed) {
    files.read(0, f.facts, {cache.data, cache.bytes});
    return cache.data[0];
  }
  Buffer scratch(memory, f.facts.block_bytes);
  files.read(0, f.facts, {scratch.data, scratch.bytes});
  if (!decompress(dctx, cache.data, cache.bytes, scratch.data, scratch.bytes)) {
    throw CorruptionError(CorruptionError::Kind::kBadChecksum, f.path, kHeader,
                          "frame does not decompress to its segment's size");
  }
  return cache.data[0];
}

// The header checks and both CRCs of SegmentFiles::read, over a whole file in memory.
bool file_matches(const std::byte* h, const ColdFile& f) {
  return std::memcmp(h, kMagic.data(), kMagic.size()) == 0 &&
         durable::crc32c::unmask(get32(h + 36)) == durable::crc32c::value({h, 36}) &&
         get32(h + 8) == detail::kSegmentFileVersion && get64(h + 16) == f.facts.first_position &&
         get32(h + 24) == f.facts.used && get32(h + 28) == f.facts.block_bytes &&
         get32(h + 32) == f.facts.dictionary_version &&
         ((get32(h + 12) & 1U) != 0) == f.facts.compressed &&
         durable::crc32c::unmask(get32(h + kHeader + f.facts.block_bytes)) ==
             durable::crc32c::value({h + kHeader, f.facts.block_bytes});
}

// After file_matches(): zstd from the file's block into a cache block (compressed), or nothing
// more (raw: the CRC pass has touched every record byte, and readers would read them in place).
bool use_block(const std::byte* h, const ColdFile& f, std::pmr::memory_resource* memory,
               ZSTD_DCtx* dctx, std::byte& first) {
  if (!f.facts.compressed) {
    first = h[kHeader];
    return true;
  }
  Buffer cache(memory, f.facts.used);
  const bool ok = decompress(dctx, cache.data, cache.bytes, h + kHeader, f.facts.block_bytes);
  first = cache.data[0];
  return ok;
}

// One pread of the whole file (header, block, CRC) into a file-sized buffer from the resource,
// straight through POSIX (no FileSystem), then the same checks and use_block(). Returns false
// on any failure.
bool read_whole_with_pread(const ColdFile& f, std::pmr::memory_resource* memory, ZSTD_DCtx* dctx,
                           std::byte& first) {
  const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  Buffer file(memory, kHeader + f.facts.block_bytes + kTrailer);
  std::size_t got = 0;
  while (got < file.bytes) {
    const ssize_t n = ::pread(fd, file.data + got, file.bytes - got, static_cast<off_t>(got));
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return got == file.bytes && file_matches(file.data, f) &&
         use_block(file.data, f, memory, dctx, first);
}

// What an mmap read would do: open, fstat (a mapping of a file shorter than expected raises
// SIGBUS on the first touch past its end, so the length must be checked first), mmap read
// only (map_flags: MAP_PRIVATE, optionally | MAP_POPULATE), the same checks over the mapping,
// use_block() from the mapping, munmap. Returns false on any failure.
bool read_with_mmap(const ColdFile& f, int map_flags, std::pmr::memory_resource* memory,
                    ZSTD_DCtx* dctx, std::byte& first) {
  const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  const std::size_t size = kHeader + f.facts.block_bytes + kTrailer;
  void* map = MAP_FAILED;
  if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) == size) {
    map = ::mmap(nullptr, size, PROT_READ, map_flags, fd, 0);
  }
  ::close(fd);
  if (map == MAP_FAILED) return false;
  const auto* h = static_cast<const std::byte*>(map);
  const bool ok = file_matches(h, f) && use_block(h, f, memory, dctx, first);
  ::munmap(map, size);
  return ok;
}

// Writes the files' dirty pages (the store never syncs them), so that DONTNEED can drop them.
bool sync_files(const std::vector<ColdFile>& files) {
  for (const ColdFile& f : files) {
    const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fdatasync(fd) == 0;
    ::close(fd);
    if (!ok) return false;
  }
  return true;
}

// posix_fadvise(POSIX_FADV_DONTNEED) on every file: clean pages leave the page cache.
bool drop_page_cache(const std::vector<ColdFile>& files) {
  for (const ColdFile& f : files) {
    const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
    ::close(fd);
    if (!ok) return false;
  }
  return true;
}

// The fraction of the files' pages in the page cache (mincore over a mapping, which reports
// page-cache residency without faulting anything in); -1 on failure.
double page_cache_fraction(const std::vector<ColdFile>& files) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::size_t pages = 0;
  std::size_t cached = 0;
  for (const ColdFile& f : files) {
    const std::size_t size = kHeader + f.facts.block_bytes + kTrailer;
    const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) return -1;
    std::vector<unsigned char> in_core((size + page - 1) / page);
    const bool ok = ::mincore(map, size, in_core.data()) == 0;
    ::munmap(map, size);
    if (!ok) return -1;
    pages += in_core.size();
    for (const unsigned char c : in_core) cached += c & 1U;
  }
  return pages == 0 ? -1 : static_cast<double>(cached) / static_cast<double>(pages);
}

void BM_SegmentFileRead(benchmark::State& state) {
  // 0 the store's pread, 1 one pread of the whole file, 2 mmap, 3 mmap with MAP_POPULATE
  const std::int64_t method = state.range(0);
  const bool dropped = state.range(1) != 0;
  const bool compression = state.range(2) != 0;
  const int map_flags = MAP_PRIVATE | (method == 3 ? MAP_POPULATE : 0);
  Layout layout;
  layout.segment_bytes = static_cast<std::size_t>(state.range(3)) * 1024;
  layout.dictionary = false;  // a dictionary lives only in the store's memory, not in a file
  layout.durability = Durability::kNone;
  Fixture f(compression, true, layout);
  const std::vector<ColdFile> files = cold_files(f.dir);
  if (files.empty()) {
    state.SkipWithError("no cold segment files to read");
    return;
  }
  if (!sync_files(files)) {
    state.SkipWithError("fdatasync of a segment file failed");
    return;
  }
  std::uint64_t record_bytes = 0;
  std::uint64_t file_bytes = 0;
  for (const ColdFile& c : files) {
    record_bytes += c.facts.used;
    file_bytes += kHeader + c.facts.block_bytes + kTrailer;
  }
  const detail::SegmentFiles reader(durable::posix_file_system(), f.dir.string());
  std::pmr::memory_resource* memory = alloc::system_resource();
  const std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(),
                                                                  &ZSTD_freeDCtx);
  // Warm: one untimed pass first. Dropped: the first drop, checked with mincore below.
  if (dctx == nullptr) {
    state.SkipWithError("ZSTD_createDCtx failed");
    return;
  }
  for (const ColdFile& c : files) {
    benchmark::DoNotOptimize(read_with_pread(reader, c, memory, dctx.get()));
  }
  if (dropped && !drop_page_cache(files)) {
    state.SkipWithError("posix_fadvise failed");
    return;
  }
  state.counters["page_cache_fraction"] = page_cache_fraction(files);
  // One pass over every file with read `m` (wall clock, in seconds); -1 when a read failed.
  const auto pass = [&](std::int64_t m) -> double {
    if (dropped) drop_page_cache(files);
    const auto start = std::chrono::steady_clock::now();
    for (const ColdFile& c : files) {
      std::byte b{};
      if (m == 0) {
        b = read_with_pread(reader, c, memory, dctx.get());
      } else if (!(m == 1 ? read_whole_with_pread(c, memory, dctx.get(), b)
                          : read_with_mmap(c, map_flags, memory, dctx.get(), b))) {
        return -1;
      }
      benchmark::DoNotOptimize(b);
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // Each iteration also times a pass of the store's pread (read 0), before or after this one in
  // turn, so that the ratio compares passes made at the same moment of a noisy machine.
  double this_seconds = 0;
  double store_pread_seconds = 0;
  bool baseline_first = true;
  for (auto _ : state) {
    const double before = method != 0 && baseline_first ? pass(0) : 0;
    const double t = pass(method);
    const double after = method != 0 && !baseline_first ? pass(0) : 0;
    if (t < 0 || before < 0 || after < 0) {
      state.SkipWithError("a segment file read failed");
      return;
    }
    baseline_first = !baseline_first;
    state.SetIterationTime(t);
    this_seconds += t;
    store_pread_seconds += method != 0 ? before + after : t;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * record_bytes));
  state.counters["files"] = static_cast<double>(files.size());
  state.counters["file_bytes"] = static_cast<double>(file_bytes);
  state.counters["vs_store_pread"] = this_seconds > 0 ? store_pread_seconds / this_seconds : 0;
}
BENCHMARK(BM_SegmentFileRead)
    ->ArgNames({"read", "dropped", "compression", "segment_kib"})
    ->ArgsProduct({{0, 1, 2, 3}, {0, 1}, {0, 1}, {64, 256}})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
