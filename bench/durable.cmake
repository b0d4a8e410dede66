# bench/durable: durable append throughput of the log writer against SQLite (WAL,
# synchronous=FULL) on the same file system (figures and command in docs/durability.md).
find_package(SQLite3 REQUIRED)

add_executable(bench_durable durable_append.cpp sqlite_wal_peer.cpp)
orchestrix_target_defaults(bench_durable)
target_link_libraries(bench_durable PRIVATE orchestrix::durable SQLite::SQLite3
                                            benchmark::benchmark_main)

# bench_store_durable: the store with a directory (kOnCommit vs SQLite WAL FULL, kNone vs the
# memory-only store, reopen time by log size); figures and command in docs/durability.md.
add_executable(bench_store_durable store_durable.cpp sqlite_wal_peer.cpp)
orchestrix_target_defaults(bench_store_durable)
target_link_libraries(bench_store_durable PRIVATE orchestrix::store orchestrix::workload
                                                  SQLite::SQLite3 benchmark::benchmark_main)
