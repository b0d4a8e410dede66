// orchestrix/alloc/process_memory.hpp: the /proc parsers on fixed text, then the live probes.
#include "orchestrix/alloc/process_memory.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <string>

namespace oa = orchestrix::alloc;

TEST_CASE("parse_process_status reads VmRSS and VmHWM in bytes and needs both") {
  const std::string status =
      "Name:\tcat\nVmPeak:\t    9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1536 kB\n"
      "VmRSSX:\t 1 kB\nThreads:\t1";
  const auto m = oa::parse_process_status(status);
  REQUIRE(m.has_value());
  CHECK(m->rss_bytes == 1536 * 1024);
  CHECK(m->hwm_bytes == 2048 * 1024);
  CHECK(oa::parse_process_status("VmRSS:\t1 kB\n").has_value() == false);
  CHECK(oa::parse_process_status("VmRSS:\tkB\nVmHWM:\t1 kB\n").has_value() == false);
  const auto last_line = oa::parse_process_status("VmHWM: 3 kB\nVmRSS: 2 kB");  // no newline
  REQUIRE(last_line.has_value());
  CHECK(last_line->rss_bytes == 2048);
}

TEST_CASE("malloc_in_maps names a mapped replacement library and defaults to glibc") {
  const std::string glibc =
      "7f0000000000-7f0000001000 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
      "7f0000002000-7f0000003000 r--p 00000000 08:01 2 /home/u/mimalloc-notes.txt\n";
  CHECK(oa::malloc_in_maps(glibc) == "glibc");
  CHECK(oa::malloc_in_maps(glibc + "7f0000004000-7f0000005000 r-xp 00000000 08:01 3 "
                                   "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n") == "jemalloc");
  CHECK(oa::malloc_in_maps("00-01 r-xp 0 0:0 4 /usr/lib/libmimalloc.so.2.0") == "mimalloc");
  CHECK(oa::malloc_in_maps("00-01 r-xp 0 0:0 5 /usr/lib/libtcmalloc_minimal.so.4\n") == "tcmalloc");
  CHECK(oa::malloc_in_maps("") == "glibc");
}

TEST_CASE("this process reads its own figures and is served by glibc's malloc") {
  const auto m = oa::read_process_memory();
  REQUIRE(m.has_value());
  CHECK(m->rss_bytes > 0);
  CHECK(m->hwm_bytes >= m->rss_bytes);
  CHECK(oa::mapped_malloc() == "glibc");  // this test binary links no replacement
}

TEST_CASE("PeakRssMeter sees a phase that touches 32 MiB") {
  constexpr std::size_t kBytes = 32u << 20;
  const oa::PeakRssMeter meter;
  CHECK(meter.first_in_process());
  CHECK(std::strlen(meter.method()) > 0);
  const auto block = std::make_unique<char[]>(kBytes);
  std::memset(block.get(), 1, kBytes);  // resident while the delta is read, either method
  CHECK(meter.delta_bytes() >= kBytes - (1u << 20));
}
