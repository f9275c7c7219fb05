# The libFuzzer targets of preset `fuzz` (clang-14, ASan, UBSan), which
# ci/fuzz builds and runs: one per parser of outside data, each
# <module>/<name>_fuzz.cc beside the parser (docs/contributing.md lists
# them). The host's libraries need the whole host build, so each target
# compiles only the sources its parser needs, instrumented. UBSan findings
# abort, so libFuzzer reports them as crashes.

set(SHAKEDOWN_FUZZ_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=all)

# shakedown_fuzz_instrument(<target>): coverage and sanitizers for a library
# a fuzz target links.
function(shakedown_fuzz_instrument target)
  target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link ${SHAKEDOWN_FUZZ_SANITIZERS})
endfunction()

# shakedown_fuzz_target(NAME <target> SOURCES <src>... [LIBS <lib>...]):
# the fuzz target's own file first, then the parser's sources.
function(shakedown_fuzz_target)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME" "SOURCES;LIBS")
  add_executable(${arg_NAME} ${arg_SOURCES})
  target_include_directories(${arg_NAME} PRIVATE ${SHAKEDOWN_FUZZ_INCLUDES})
  target_link_libraries(${arg_NAME} PRIVATE ${arg_LIBS})
  target_compile_options(${arg_NAME} PRIVATE -fsanitize=fuzzer ${SHAKEDOWN_FUZZ_SANITIZERS})
  target_link_options(${arg_NAME} PRIVATE -fsanitize=fuzzer ${SHAKEDOWN_FUZZ_SANITIZERS})
  if(COMMAND shakedown_warnings)
    shakedown_warnings(${arg_NAME})
  endif()
endfunction()

# The host's targets, below; firmware/protocol/CMakeLists.txt adds the
# codec's own (protocol_fuzz).
function(shakedown_host_fuzz_targets)
  find_package(fmt REQUIRED)
  find_package(yaml-cpp REQUIRED)
  find_package(OpenSSL 3 REQUIRED)
  find_package(Threads REQUIRED)
  set(SHAKEDOWN_FUZZ_INCLUDES host/device host/diagnosis host/explain host/links host/net host/scenario host/targets
      host/process host/errors/public host/tls/public servers firmware/protocol/public)
  list(TRANSFORM SHAKEDOWN_FUZZ_INCLUDES PREPEND ${PROJECT_SOURCE_DIR}/)

  # The host's TLS vocabulary, which most parsers name things with.
  file(GLOB tls_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/host/tls/*.cc)
  list(FILTER tls_sources EXCLUDE REGEX "_test\\.cc$")
  add_library(fuzz-tls STATIC ${tls_sources})
  target_include_directories(fuzz-tls PUBLIC ${PROJECT_SOURCE_DIR}/host/tls/public)
  target_link_libraries(fuzz-tls PUBLIC fmt::fmt)
  shakedown_fuzz_instrument(fuzz-tls)

  # `shakedown explain`'s log parser: everything a log goes through before
  # the diagnosis rules, the wrapping stacks' error lines included (their
  # codes named from the newest line's headers, as the host names them).
  shakedown_newest_mbedtls_errors(errors)
  shakedown_newest_mbedtls_line(newest_line)
  shakedown_mbedtls_error_texts(${newest_line} ${CMAKE_BINARY_DIR}/mbedtls-errors/texts/mbedtls_error_texts.inc)
  shakedown_fuzz_target(NAME explain_log_fuzz LIBS fuzz-tls ${errors}
    SOURCES host/explain/log_fuzz.cc host/explain/log_reader.cc host/explain/log_facts.cc host/explain/log_text.cc
      host/explain/facts_reading.cc host/explain/statement_forms.cc host/explain/statements_progress.cc
      host/explain/statements_hello.cc host/explain/statements_records.cc host/explain/application_lines.cc
      host/explain/client_hello_decode.cc host/explain/error_in_text.cc host/explain/context_lines.cc
      host/explain/stack_advice.cc
      host/device/client_report.cc)
  target_include_directories(explain_log_fuzz PRIVATE ${CMAKE_BINARY_DIR}/mbedtls-errors/texts)

  # A ClientHello as explain decodes it from a log and as the test server
  # captures it through OpenSSL.
  shakedown_fuzz_target(NAME client_hello_fuzz LIBS OpenSSL::SSL OpenSSL::Crypto
    SOURCES host/explain/client_hello_fuzz.cc host/explain/client_hello_decode.cc servers/openssl_client_hello.cc)

  # The test server's record parsing and reshaping.
  shakedown_fuzz_target(NAME record_stream_fuzz SOURCES servers/record_stream_fuzz.cc servers/record_stream.cc)

  # Scenario files: the loader and what it checks a scenario with.
  shakedown_fuzz_target(NAME scenario_fuzz LIBS fuzz-tls yaml-cpp OpenSSL::SSL OpenSSL::Crypto Threads::Threads
    SOURCES host/scenario/scenario_fuzz.cc host/scenario/scenario_loader.cc host/scenario/each_matrix.cc
      host/scenario/expect_loader.cc host/scenario/yaml_fields.cc
      host/scenario/client_loader.cc host/diagnosis/findings.cc servers/chain_spec.cc servers/s_server_peer.cc
      servers/openssl_ptr.cc host/process/spawn.cc host/net/host_port.cc)
  shakedown_pki_generator_key(scenario_fuzz)
  shakedown_define_known_profiles(scenario_fuzz)

  # Bench files (`--target board --bench FILE`).
  shakedown_fuzz_target(NAME bench_file_fuzz LIBS yaml-cpp fmt::fmt Threads::Threads
    SOURCES host/targets/bench_file_fuzz.cc host/targets/bench_file.cc host/links/network_serial_address.cc
      host/links/host_lookup.cc host/net/host_port.cc)

  # Device traffic transcripts (`--record-traffic`, the replayed board).
  shakedown_fuzz_target(NAME traffic_transcript_fuzz LIBS fmt::fmt
    SOURCES host/links/traffic_transcript_fuzz.cc host/links/traffic_transcript.cc)

  # The host's half of the device protocol: frames, banners, reports, peer
  # certificates and logs, through DeviceClient's reply loop.
  shakedown_fuzz_target(NAME device_client_fuzz LIBS fuzz-tls shakedown-protocol
    SOURCES host/device/device_client_fuzz.cc host/device/device_client.cc host/device/client_report.cc
      host/device/device_config.cc host/device/network_state.cc)
endfunction()
