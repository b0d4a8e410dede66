# bench/bus: message bus benchmarks (figures and commands in docs/message-bus.md).
add_executable(bench_bus bus_publish.cpp bus_async.cpp)
orchestrix_target_defaults(bench_bus)
target_link_libraries(bench_bus PRIVATE orchestrix_bus benchmark::benchmark_main)
