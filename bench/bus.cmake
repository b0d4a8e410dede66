# bench/bus: message bus benchmarks with the peers in the same executable (figures and commands
# in docs/performance.md, docs/message-bus.md and docs/measurements/bus-publish.md).
find_package(Boost 1.74 REQUIRED)  # Boost.Signals2, header-only
add_executable(bench_bus bus_publish.cpp bus_async.cpp)
orchestrix_target_defaults(bench_bus)
target_link_libraries(bench_bus PRIVATE orchestrix_bench_support orchestrix_bus Boost::headers
                                        benchmark::benchmark_main)
# GCC 12 reports a -Wmaybe-uninitialized false positive inside Boost.Signals2 1.74's slot map
# (boost::optional<int> group key, inlined from signal::connect) in the sanitizer builds.
set_source_files_properties(bus_publish.cpp PROPERTIES COMPILE_OPTIONS -Wno-maybe-uninitialized)

# One-way cache-line hand-off latency between two CPUs: the machine-condition probe that
# bench/bus_scaling.py runs before each round.
find_package(Threads REQUIRED)
add_executable(core_latency core_latency.cpp)
orchestrix_target_defaults(core_latency)
target_link_libraries(core_latency PRIVATE Threads::Threads)
