# bench/alloc: memory resource benchmarks (figures and commands in docs/allocators.md).
# bench_alloc: every resource of orchestrix::allocators against the bare upstream.
# bench_alloc_mimalloc: the mimalloc resource, in its own process (linking it swaps malloc).
# alloc_pair_count: a fixed number of pairs for valgrind --tool=callgrind instruction counts.
add_executable(bench_alloc alloc_resources.cpp)
orchestrix_target_defaults(bench_alloc)
target_link_libraries(bench_alloc PRIVATE orchestrix_allocators benchmark::benchmark_main)

add_executable(alloc_pair_count alloc_pair_count.cpp)
orchestrix_target_defaults(alloc_pair_count)
target_link_libraries(alloc_pair_count PRIVATE orchestrix_allocators)

if(ORCHESTRIX_WITH_MIMALLOC)
  add_executable(bench_alloc_mimalloc alloc_mimalloc.cpp)
  orchestrix_target_defaults(bench_alloc_mimalloc)
  target_link_libraries(bench_alloc_mimalloc PRIVATE orchestrix_mimalloc benchmark::benchmark_main)
endif()
