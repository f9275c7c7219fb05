# `shakedown boards` on a host with no boards attached (CI, this machine):
# the message and the documented exit code 4. On a bench with boards it
# must list them instead (exit 0, a table).
execute_process(COMMAND ${SHAKEDOWN} boards RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 30)
if(rc EQUAL 4)
  if(NOT err MATCHES "^no boards found: ")
    message(FATAL_ERROR "exit 4 without 'no boards found: ...' on stderr:\n${err}")
  endif()
  if(NOT out STREQUAL "")
    message(FATAL_ERROR "exit 4 but wrote to stdout:\n${out}")
  endif()
elseif(rc EQUAL 0)
  if(NOT out MATCHES "^port +vid:pid +serial +st-link +description\n/dev/")
    message(FATAL_ERROR "exit 0 without a board table:\n${out}")
  endif()
else()
  message(FATAL_ERROR "shakedown boards exited ${rc}:\n${out}${err}")
endif()
message(STATUS "shakedown boards: exit ${rc}: ${err}${out}")
