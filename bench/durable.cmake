# bench/durable: durable append throughput of the log writer against SQLite (WAL,
# synchronous=FULL) on the same file system (figures and command in docs/durability.md).
find_package(SQLite3 REQUIRED)

add_executable(bench_durable durable_append.cpp)
orchestrix_target_defaults(bench_durable)
target_link_libraries(bench_durable PRIVATE orchestrix::durable SQLite::SQLite3
                                            benchmark::benchmark_main)
