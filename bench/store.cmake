# bench/store: event store benchmarks with a peer baseline in the same file (figures and
# commands in docs/measurements/store-bench.md; headline ratios in docs/architecture.md).
add_executable(bench_store store_bench.cpp)
orchestrix_target_defaults(bench_store)
target_link_libraries(bench_store PRIVATE orchestrix::store orchestrix::workload orchestrix::allocators
                                          benchmark::benchmark_main)

# store_memory_report: the memory breakdown printed in docs/measurements/store-bench.md.
add_executable(store_memory_report store_memory_report.cpp)
orchestrix_target_defaults(store_memory_report)
target_link_libraries(store_memory_report PRIVATE orchestrix::store orchestrix::workload
                                                  orchestrix::allocators)
