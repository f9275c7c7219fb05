# shakedown_warnings(<target>): the warning set for shakedown's own code.
# Upstream code (Mbed TLS, lwIP) keeps its own flags.
#
# SHAKEDOWN_UNITY_BUILD compiles the host's own targets in batches of 8
# files, which parse the heavy headers (fmt, nlohmann-json, Asio, yaml-cpp)
# once a batch: a cold build of what ci/demo runs takes 83 s instead of
# 122 s. Preset demo sets it; ci/test builds that preset too, so a name two
# files of a target both define at file scope fails CI, not the demo. The
# client core and agent stay out: they build once per (line, profile) and
# are small.
option(SHAKEDOWN_UNITY_BUILD "Compile shakedown's own host targets in batches (a faster cold build)" OFF)

function(shakedown_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion
    -Wno-missing-field-initializers)  # designated initializers leave defaults on purpose
  if(SHAKEDOWN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(SHAKEDOWN_UNITY_BUILD AND NOT target MATCHES "^shakedown-(core|agent)-")
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
endfunction()
