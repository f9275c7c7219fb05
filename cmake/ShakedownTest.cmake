# shakedown_test(): the one way a test is registered with ctest.
#
# A Catch2 test: builds the executable NAME from SOURCES, linked with LIBS and
# Catch2's main, and registers each of its test cases as "<PREFIX><case>"
# (PREFIX defaults to "[NAME] "; NO_PREFIX registers the bare case names).
# TEST_SPEC picks the cases it runs. --warn NoTests: a ctest entry whose
# name matches no test case fails rather than passing with nothing run.
#
#   shakedown_test(NAME <target> SOURCES <src>... [LIBS <lib>...]
#                  [PREFIX <prefix> | NO_PREFIX] [TEST_SPEC <spec>]
#                  [DEFINITIONS <def>...] <common>)
#
# A command test: one ctest entry NAME that runs COMMAND (a script, cmake
# -P, or an executable target built elsewhere); it passes on exit status 0.
#
#   shakedown_test(NAME <test name> COMMAND <command> <args>... <common>)
#
# <common>: [RUN_SERIAL] [TIMEOUT <s>] [LABELS <label>...] [SKIP_REGEX <regex>]
#
# ctest splits a discovered name at ';', so names and prefixes hold none.
function(shakedown_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "RUN_SERIAL;NO_PREFIX" "NAME;PREFIX;TIMEOUT;SKIP_REGEX"
                        "SOURCES;LIBS;DEFINITIONS;COMMAND;TEST_SPEC;LABELS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "shakedown_test(${arg_NAME}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_NAME)
    message(FATAL_ERROR "shakedown_test: NAME is required")
  endif()
  if(arg_COMMAND AND arg_SOURCES)
    message(FATAL_ERROR "shakedown_test(${arg_NAME}): COMMAND or SOURCES, not both")
  endif()
  if(NOT arg_COMMAND AND NOT arg_SOURCES)
    message(FATAL_ERROR "shakedown_test(${arg_NAME}): COMMAND or SOURCES is required")
  endif()

  # Every test may read the run's test PKI cache, emptied first (CMakeLists.txt).
  set(properties FIXTURES_REQUIRED shakedown-test-pki)
  if(arg_RUN_SERIAL)
    list(APPEND properties RUN_SERIAL ON)
  endif()
  if(arg_TIMEOUT)
    list(APPEND properties TIMEOUT ${arg_TIMEOUT})
  endif()
  if(arg_LABELS)
    list(JOIN arg_LABELS "\\;" labels)
    list(APPEND properties LABELS "${labels}")
  endif()
  if(arg_SKIP_REGEX)
    list(APPEND properties SKIP_REGULAR_EXPRESSION "${arg_SKIP_REGEX}")
  endif()

  if(arg_COMMAND)
    add_test(NAME "${arg_NAME}" COMMAND ${arg_COMMAND})
    if(properties)
      set_tests_properties("${arg_NAME}" PROPERTIES ${properties})
    endif()
    return()
  endif()

  set(prefix "[${arg_NAME}] ")
  if(arg_NO_PREFIX)
    set(prefix "")
  elseif(DEFINED arg_PREFIX)
    set(prefix "${arg_PREFIX}")
  endif()
  if(prefix MATCHES ";")
    message(FATAL_ERROR "shakedown_test(${arg_NAME}): a ';' in the prefix would split every test name")
  endif()
  add_executable(${arg_NAME} ${arg_SOURCES})
  target_link_libraries(${arg_NAME} PRIVATE ${arg_LIBS} shakedown-catch-main)
  if(arg_DEFINITIONS)
    target_compile_definitions(${arg_NAME} PRIVATE ${arg_DEFINITIONS})
  endif()
  shakedown_warnings(${arg_NAME})
  set(discover_args TEST_PREFIX "${prefix}" EXTRA_ARGS --warn NoTests)
  if(arg_TEST_SPEC)
    list(APPEND discover_args TEST_SPEC ${arg_TEST_SPEC})
  endif()
  if(properties)
    list(APPEND discover_args PROPERTIES ${properties})
  endif()
  catch_discover_tests(${arg_NAME} ${discover_args})
endfunction()
