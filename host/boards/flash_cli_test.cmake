# `shakedown flash` on a host with no boards attached (CI, this machine):
# nothing is programmed, the message says why, exit 4 ("no target"). On a
# bench with one board, --dry-run prints the command it would run.
execute_process(COMMAND ${SHAKEDOWN} flash ${IMAGE} --dry-run RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err TIMEOUT 30)
if(rc EQUAL 4)
  if(NOT err MATCHES "^shakedown flash: no boards found: ")
    message(FATAL_ERROR "exit 4 without 'no boards found: ...' on stderr:\n${err}")
  endif()
elseif(rc EQUAL 0)
  if(NOT out MATCHES "^flashing .* into the board with ST-Link ")
    message(FATAL_ERROR "exit 0 without the command:\n${out}")
  endif()
else()
  message(FATAL_ERROR "shakedown flash exited ${rc}:\n${out}${err}")
endif()
execute_process(COMMAND ${SHAKEDOWN} flash RESULT_VARIABLE usage ERROR_QUIET OUTPUT_QUIET TIMEOUT 30)
if(NOT usage EQUAL 3)
  message(FATAL_ERROR "shakedown flash without an image exited ${usage}, not 3")
endif()
message(STATUS "shakedown flash: exit ${rc}: ${err}${out}")
