# orchestrix_store: the event store (record codec, segments, stream index, snapshots).
add_library(orchestrix_store STATIC
  src/store/compaction.cpp
  src/store/event_store.cpp
  src/store/intern_table.cpp
  src/store/reclaim.cpp
  src/store/store_impl.cpp
  src/store/store_read.cpp
  src/store/store_snapshot.cpp
  src/store/workload.cpp)
add_library(orchestrix::store ALIAS orchestrix_store)
orchestrix_target_defaults(orchestrix_store)
target_include_directories(orchestrix_store
  PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/store)
target_link_libraries(orchestrix_store PUBLIC orchestrix_core orchestrix_allocators)
set_target_properties(orchestrix_store PROPERTIES POSITION_INDEPENDENT_CODE ON EXPORT_NAME store)
install(TARGETS orchestrix_store EXPORT orchestrixTargets)
target_link_libraries(orchestrix INTERFACE orchestrix_store)
