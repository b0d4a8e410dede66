# orchestrix_bus: the message bus (sync + async). See docs/message-bus.md.
find_package(Threads REQUIRED)
orchestrix_add_library(bus
  SOURCES src/bus/symbol.cpp
          src/bus/erased.cpp
          src/bus/errors.cpp
          src/bus/thread_record.cpp
          src/bus/bus_core.cpp
          src/bus/dead_letter.cpp
          src/bus/message_bus.cpp
          src/bus/async_message_bus.cpp
  INCLUDE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/include
  LINKS orchestrix_core Threads::Threads)
target_link_libraries(orchestrix INTERFACE orchestrix_bus)

# orchestrix_bus_store: feeds an EventStore's global log to a MessageBus (StoreSubscription).
# Its own library so that the bus itself does not depend on the store.
orchestrix_add_library(bus_store
  SOURCES src/bus/store_subscription.cpp
  LINKS orchestrix_bus orchestrix_store)
target_link_libraries(orchestrix INTERFACE orchestrix_bus_store)
