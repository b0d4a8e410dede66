# bench/store: event store benchmarks with a peer baseline in the same file (figures and
# commands in docs/measurements/store-bench.md; headline ratios in docs/architecture.md).
add_executable(bench_store store_bench.cpp)
orchestrix_target_defaults(bench_store)
target_link_libraries(bench_store PRIVATE orchestrix::store orchestrix::workload orchestrix::allocators
                                          benchmark::benchmark_main)

