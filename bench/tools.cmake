# The test of tools/bench: its compare/gate and report logic on small synthetic benchmark JSON
# (a regression fails the gate, an improvement passes); no benchmark is run, nothing is timed.
if(ORCHESTRIX_BUILD_TESTS)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  add_test(NAME "tools/bench compare gate and report on synthetic runs"
           COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/tests/bench_tool_test.py
                   ${PROJECT_SOURCE_DIR}/tools/bench)
  set_tests_properties("tools/bench compare gate and report on synthetic runs"
                       PROPERTIES LABELS "tools" TIMEOUT 60)
endif()
