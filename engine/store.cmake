# orchestrix_store: the event store (record codec, segments, stream index, snapshots).
orchestrix_add_library(store
  SOURCES src/store/compaction.cpp
          src/store/event_store.cpp
          src/store/intern_table.cpp
          src/store/reclaim.cpp
          src/store/store_impl.cpp
          src/store/store_read.cpp
          src/store/store_snapshot.cpp
          src/store/workload.cpp
  INCLUDE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/include
  LINKS orchestrix_core orchestrix_allocators)
target_include_directories(orchestrix_store PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/store)
target_link_libraries(orchestrix INTERFACE orchestrix_store)
