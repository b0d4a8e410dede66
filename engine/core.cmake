# orchestrix_core: value types shared by the store and the bus (Uuid, Timestamp, errors).
orchestrix_add_library(core
  SOURCES src/core/uuid.cpp
          src/core/timestamp.cpp
  INCLUDE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(orchestrix INTERFACE orchestrix_core)
