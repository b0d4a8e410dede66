# bench/bus: message bus benchmarks (figures and commands in docs/message-bus.md).
add_executable(bench_bus bus_publish.cpp bus_async.cpp)
orchestrix_target_defaults(bench_bus)
target_link_libraries(bench_bus PRIVATE orchestrix_bus benchmark::benchmark_main)

# One-way cache-line hand-off latency between two CPUs: the machine-condition probe that
# bench/bus_scaling.py runs before each round.
find_package(Threads REQUIRED)
add_executable(core_latency core_latency.cpp)
orchestrix_target_defaults(core_latency)
target_link_libraries(core_latency PRIVATE Threads::Threads)
