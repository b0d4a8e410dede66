# Small helpers shared by every folder of the build.

# ORCHESTRIX_DCHECKS: debug checks (ORCHESTRIX_DCHECK, engine/core/include/orchestrix/detail/
# check.hpp). Default ON for Debug and sanitizer builds, OFF otherwise. The definition is
# PRIVATE to the project's targets: it never reaches the exported targets, and no class layout
# depends on it.
if(CMAKE_BUILD_TYPE STREQUAL "Debug" OR NOT ORCHESTRIX_SANITIZE STREQUAL "")
  set(orchestrix_dchecks_default ON)
else()
  set(orchestrix_dchecks_default OFF)
endif()
option(ORCHESTRIX_DCHECKS "Compile the ORCHESTRIX_DCHECK debug checks in"
       ${orchestrix_dchecks_default})

# orchestrix_target_defaults(<target>): C++20, warnings (errors with ORCHESTRIX_WERROR), debug
# checks (ORCHESTRIX_DCHECKS), sanitizers.
function(orchestrix_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(ORCHESTRIX_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(ORCHESTRIX_DCHECKS)
    target_compile_definitions(${target} PRIVATE ORCHESTRIX_DCHECKS=1)
  endif()
endfunction()

# orchestrix_add_library(<short> SOURCES ... [INCLUDE_DIR <dir>] [LINKS ...])
# The static library orchestrix_<short>, alias and export name orchestrix::<short>, with the
# project defaults, position-independent code and a place in the installed CMake package.
# INCLUDE_DIR is its public header root (installed under include/); LINKS are PUBLIC.
function(orchestrix_add_library short)
  cmake_parse_arguments(ARG "" "INCLUDE_DIR" "SOURCES;LINKS" ${ARGN})
  set(name orchestrix_${short})
  add_library(${name} STATIC ${ARG_SOURCES})
  add_library(orchestrix::${short} ALIAS ${name})
  orchestrix_target_defaults(${name})
  if(ARG_INCLUDE_DIR)
    target_include_directories(${name} PUBLIC
      $<BUILD_INTERFACE:${ARG_INCLUDE_DIR}>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  endif()
  if(ARG_LINKS)
    target_link_libraries(${name} PUBLIC ${ARG_LINKS})
  endif()
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON EXPORT_NAME ${short})
  install(TARGETS ${name} EXPORT orchestrixTargets)
endfunction()

# Sanitizers apply to every target of the build (libraries, tests, benches, tools).
if(ORCHESTRIX_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(ORCHESTRIX_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT ORCHESTRIX_SANITIZE STREQUAL "")
  message(FATAL_ERROR "ORCHESTRIX_SANITIZE must be empty, 'address' or 'thread'")
endif()

# orchestrix_add_test(<name> SOURCES ... [LIBS ...] [LABELS ...])
# One doctest executable; each TEST_CASE becomes its own ctest test carrying LABELS.
function(orchestrix_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  orchestrix_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} orchestrix_doctest_main)
  doctest_discover_tests(${name} ADD_LABELS 0 TEST_LIST ${name}_TESTS)
  # Labels are set at ctest time: passing a list through PROPERTIES would keep only the first.
  if(ARG_LABELS)
    set(script "${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake")
    file(WRITE "${script}"
      "foreach(t IN LISTS ${name}_TESTS)\n"
      "  set_tests_properties(\"\${t}\" PROPERTIES LABELS \"${ARG_LABELS}\")\n"
      "endforeach()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${script}")
  endif()
endfunction()
