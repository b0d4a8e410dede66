# orchestrix_bus: the message bus (sync + async). See docs/message-bus.md.
find_package(Threads REQUIRED)
add_library(orchestrix_bus STATIC
  src/bus/symbol.cpp
  src/bus/erased.cpp
  src/bus/errors.cpp
  src/bus/thread_record.cpp
  src/bus/bus_core.cpp
  src/bus/dead_letter.cpp
  src/bus/message_bus.cpp
  src/bus/async_message_bus.cpp)
add_library(orchestrix::bus ALIAS orchestrix_bus)
orchestrix_target_defaults(orchestrix_bus)
target_include_directories(orchestrix_bus PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(orchestrix_bus PUBLIC orchestrix_core Threads::Threads)
set_target_properties(orchestrix_bus PROPERTIES POSITION_INDEPENDENT_CODE ON)
install(TARGETS orchestrix_bus EXPORT orchestrixTargets)
target_link_libraries(orchestrix INTERFACE orchestrix_bus)
