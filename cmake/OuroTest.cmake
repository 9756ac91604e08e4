# ctest defaults of the whole tree; included by the top-level
# CMakeLists.txt before include(CTest).
#
# Every test has a time limit, so a hang fails that test by name:
#  - a test registered with ouro_add_test() gets TIMEOUT (its own or
#    OURO_TEST_TIMEOUT) and SKIP_RETURN_CODE 77;
#  - any other test (a plain add_test()) still gets OURO_TEST_TIMEOUT,
#    through DART_TESTING_TIMEOUT, ctest's default limit (1500 s if
#    left alone).
# A test that cannot run here exits 77 with the reason on stderr and
# shows as skipped, never as passed. Tests labelled "long" (multi-host
# and other long runs) are left out of scripts/test.sh unless --long.
#
#   ouro_add_test(NAME name COMMAND cmd [args...]
#                 [TIMEOUT seconds] [LABELS label...] [RUN_SERIAL]
#                 [RESOURCE_LOCK name...]
#                 [ENVIRONMENT VAR=value...] [WORKING_DIRECTORY dir])
#
# RUN_SERIAL: nothing else runs meanwhile (the multi-host tests, whose
# namespaces, links and timers must not share the CPUs with other tests).
# RESOURCE_LOCK: no other test holding the same lock runs meanwhile, but
# the rest do (heavier single-host tests: "single_host_heavy" keeps them
# from running two at a time, next to one ordinary test at -j2).

set(OURO_TEST_TIMEOUT 120 CACHE STRING
    "Time limit (s) of a ctest test that does not set its own")
set(DART_TESTING_TIMEOUT ${OURO_TEST_TIMEOUT} CACHE STRING
    "ctest's default time limit (s): OURO_TEST_TIMEOUT" FORCE)

function(ouro_add_test)
  cmake_parse_arguments(T "RUN_SERIAL" "NAME;TIMEOUT;WORKING_DIRECTORY"
                        "COMMAND;LABELS;ENVIRONMENT;RESOURCE_LOCK" ${ARGN})
  if (NOT T_NAME OR NOT T_COMMAND OR T_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ouro_add_test(NAME n COMMAND c...): ${ARGN}")
  endif ()
  if (T_WORKING_DIRECTORY)
    add_test(NAME ${T_NAME} COMMAND ${T_COMMAND}
             WORKING_DIRECTORY ${T_WORKING_DIRECTORY})
  else ()
    add_test(NAME ${T_NAME} COMMAND ${T_COMMAND})
  endif ()
  if (NOT T_TIMEOUT)
    set(T_TIMEOUT ${OURO_TEST_TIMEOUT})
  endif ()
  set_tests_properties(${T_NAME} PROPERTIES
    TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77)
  if (T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif ()
  if (T_RUN_SERIAL)
    set_tests_properties(${T_NAME} PROPERTIES RUN_SERIAL TRUE)
  endif ()
  if (T_RESOURCE_LOCK)
    set_tests_properties(${T_NAME} PROPERTIES
      RESOURCE_LOCK "${T_RESOURCE_LOCK}")
  endif ()
  if (T_ENVIRONMENT)
    set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${T_ENVIRONMENT}")
  endif ()
endfunction ()
