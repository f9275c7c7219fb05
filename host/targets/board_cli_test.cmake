# `shakedown run --target board` without a usable bench: a bench file with a
# mistake is a usage error (exit 3) naming its file, line and field; a bench
# whose host address is not this host's (the bench interface not set up) is
# an infrastructure error for the cell (exit 2), saying what to check, with
# the results written all the same, never a failure or a pass.
set(bad "${WORK}/bad-bench.yaml")
file(WRITE "${bad}" "host_address: 192.168.7.1\nboards:\n  - name: a\n    serial: X\n    adress: 192.168.7.2\n")
execute_process(COMMAND ${SHAKEDOWN} run ${SCENARIOS}/field/01-suite-mismatch.yaml --target board --bench ${bad}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
if(NOT rc EQUAL 3 OR NOT err MATCHES "bad-bench.yaml:5: boards\\[0\\].adress: unknown field")
  message(FATAL_ERROR "a bad bench file: expected exit 3 naming line 5's field, got ${rc}:\n${out}${err}")
endif()

execute_process(COMMAND ${SHAKEDOWN} run ${SCENARIOS}/field/01-suite-mismatch.yaml --target board
                        --bench ${BENCH} --filter 3.6/field-2x --json ${WORK}/board.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "a bench that is not set up: expected exit 2, got ${rc}:\n${out}${err}")
endif()
if(NOT out MATCHES "cannot listen on 192.168.7.1")
  message(FATAL_ERROR "the infrastructure error does not say what is wrong:\n${out}${err}")
endif()
file(READ "${WORK}/board.json" json)
if(NOT json MATCHES "\"why\": \"board nucleo-a \\(ST-Link 066DFF495150897267173233\\): cannot listen")
  message(FATAL_ERROR "board.json lacks the cell's infrastructure error:\n${json}")
endif()
message(STATUS "${out}")
