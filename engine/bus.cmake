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
set_target_properties(orchestrix_bus PROPERTIES POSITION_INDEPENDENT_CODE ON EXPORT_NAME bus)
install(TARGETS orchestrix_bus EXPORT orchestrixTargets)
target_link_libraries(orchestrix INTERFACE orchestrix_bus)

# orchestrix_bus_store: feeds an EventStore's global log to a MessageBus (StoreSubscription).
# Its own library so that the bus itself does not depend on the store.
add_library(orchestrix_bus_store STATIC src/bus/store_subscription.cpp)
add_library(orchestrix::bus_store ALIAS orchestrix_bus_store)
orchestrix_target_defaults(orchestrix_bus_store)
target_link_libraries(orchestrix_bus_store PUBLIC orchestrix_bus orchestrix_store)
set_target_properties(orchestrix_bus_store PROPERTIES POSITION_INDEPENDENT_CODE ON
                                                      EXPORT_NAME bus_store)
install(TARGETS orchestrix_bus_store EXPORT orchestrixTargets)
target_link_libraries(orchestrix INTERFACE orchestrix_bus_store)
