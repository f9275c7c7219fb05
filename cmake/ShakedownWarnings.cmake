# shakedown_warnings(<target>): the warning set for shakedown's own code.
# Upstream code (Mbed TLS, lwIP) keeps its own flags.
function(shakedown_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion
    -Wno-missing-field-initializers)  # designated initializers leave defaults on purpose
  if(SHAKEDOWN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
