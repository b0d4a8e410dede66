# orchestrix_core: value types shared by the store and the bus (Uuid, Timestamp, errors).
add_library(orchestrix_core STATIC
  src/core/uuid.cpp
  src/core/timestamp.cpp)
add_library(orchestrix::core ALIAS orchestrix_core)
orchestrix_target_defaults(orchestrix_core)
target_include_directories(orchestrix_core PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set_target_properties(orchestrix_core PROPERTIES POSITION_INDEPENDENT_CODE ON EXPORT_NAME core)
install(TARGETS orchestrix_core EXPORT orchestrixTargets)
target_link_libraries(orchestrix INTERFACE orchestrix_core)
