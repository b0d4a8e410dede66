# bench/store: event store benchmarks with the peers in the same executable (figures and
# commands in docs/performance.md and docs/measurements/store-bench.md).
find_package(PkgConfig REQUIRED)
find_package(SQLite3 REQUIRED)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)

add_executable(bench_store store_bench.cpp store_floor.cpp store_sqlite_peer.cpp store_lmdb_peer.cpp)
orchestrix_target_defaults(bench_store)
target_link_libraries(bench_store PRIVATE orchestrix_bench_support orchestrix::store orchestrix::workload
                                          orchestrix::allocators SQLite::SQLite3 PkgConfig::LMDB
                                          benchmark::benchmark_main)


# Compressed sealed segments vs the uncompressed store on the webhook sample (docs/compression.md).
add_executable(bench_store_compression store_compression.cpp)
orchestrix_target_defaults(bench_store_compression)
target_link_libraries(bench_store_compression PRIVATE orchestrix::store orchestrix::cloudevents_store
                                                      orchestrix::allocators benchmark::benchmark)
target_compile_definitions(bench_store_compression PRIVATE
  ORCHESTRIX_WEBHOOK_SAMPLE="${PROJECT_SOURCE_DIR}/data/webhooks/cloudevents.jsonl")
