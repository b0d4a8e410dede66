# Small helpers shared by every folder of the build.

# orchestrix_target_defaults(<target>): C++20, warnings (errors with ORCHESTRIX_WERROR), sanitizers.
function(orchestrix_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(ORCHESTRIX_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
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
  doctest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" ADD_LABELS 0)
endfunction()
