# bench/cloudevents: CloudEvents JSON lines into the store and back out, on the real sample
# (data/webhooks/cloudevents.jsonl, tools/fetch-sample), beside an nlohmann-json peer in the same
# executable (figures and command in docs/cloudevents.md). Skips, saying so, without the sample.
find_package(nlohmann_json 3 CONFIG REQUIRED)
add_executable(bench_cloudevents cloudevents_bench.cpp)
orchestrix_target_defaults(bench_cloudevents)
# The peer parses "time" with the codec's RFC 3339 parser (engine/cloudevents/src), so that both
# sides differ in their JSON parser only.
target_include_directories(bench_cloudevents PRIVATE ${PROJECT_SOURCE_DIR}/engine/cloudevents/src)
target_compile_definitions(bench_cloudevents PRIVATE
  ORCHESTRIX_SAMPLE_DIR="${PROJECT_SOURCE_DIR}/data/webhooks")
target_link_libraries(bench_cloudevents PRIVATE orchestrix_bench_support
                                                orchestrix::cloudevents_store orchestrix::store
                                                nlohmann_json::nlohmann_json benchmark::benchmark)
