// The importer against configs shaped like the ones device projects have
// (tests/data/configs): CubeMX's 2.x and 3.x files with hardware hooks and a
// hand-trimmed 3.x file, read with the real preprocessor over the real trees.
#include "config_import.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "substitutions.h"

namespace fs = std::filesystem;
using namespace shakedown::mbedtls_config;

namespace {

const fs::path kConfigs = fs::path(SHAKEDOWN_TEST_DATA_DIR) / "configs";

MbedtlsTree tree(const std::string& line) {
  for (const auto& t : built_trees()) {
    if (t.line == line) return t;
  }
  FAIL("no Mbed TLS " << line << " tree in this build");
  return {};
}

bool substituted(const ImportedConfig& c, const std::string& option) {
  for (const auto& s : c.substitutions) {
    if (s.option == option) return true;
  }
  return false;
}

// What a build of `profile_header` over the line's defaults is configured
// with, without what the target's seams decide.
Macros built_options(const MbedtlsTree& t, const fs::path& profile_header) {
  auto macros = dump_profile(t, profile_header).macros;
  std::erase_if(macros, [](const auto& m) { return substitution_for(m.first) != nullptr; });
  for (auto& [name, m] : macros) m.line = 0, m.file.clear();
  return macros;
}

Macros without_lines(Macros macros) {
  for (auto& [name, m] : macros) m.line = 0, m.file.clear();
  return macros;
}

fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path path = fs::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("the field device's config written in full as CubeMX does has exactly field-2x's options") {
  const auto t = tree("2.28");
  const auto c = import_config(kConfigs / "field-device-cubemx" / "mbedtls_config.h", t, "named");
  CHECK(c.name == "field-device-cubemx");
  for (const char* hook : {"MBEDTLS_ENTROPY_HARDWARE_ALT", "MBEDTLS_NO_PLATFORM_ENTROPY", "MBEDTLS_PLATFORM_MEMORY",
                           "MBEDTLS_PLATFORM_CALLOC_MACRO", "MBEDTLS_PLATFORM_FREE_MACRO", "MBEDTLS_THREADING_C",
                           "MBEDTLS_THREADING_ALT", "MBEDTLS_AES_ALT", "MBEDTLS_NET_C"}) {
    INFO(hook);
    CHECK(substituted(c, hook));
    CHECK_FALSE(c.effective.contains(hook));
  }
  REQUIRE(c.dropped_includes.size() == 2);
  CHECK(c.dropped_includes[0].header == "main.h");
  CHECK(c.dropped_includes[1].header == "cmsis_os.h");
  CHECK(c.unknown_options.empty());
  CHECK(without_lines(c.effective) == built_options(t, fs::path(SHAKEDOWN_CONFIGS_DIR) / "field-2x.h"));
  // What `config show` lists as the user's own changes: field-2x's trims,
  // and none of the hooks the target's seams take.
  const auto d = differences(c);
  CHECK(d.turned_off == std::vector<std::string>{"MBEDTLS_SHA1_C", "MBEDTLS_SSL_CBC_RECORD_SPLITTING",
                                                 "MBEDTLS_SSL_PROTO_TLS1", "MBEDTLS_SSL_PROTO_TLS1_1"});
  CHECK(d.turned_on == std::vector<std::string>{"MBEDTLS_MPI_MAX_SIZE", "MBEDTLS_SSL_CIPHERSUITES",
                                                "MBEDTLS_SSL_IN_CONTENT_LEN", "MBEDTLS_SSL_OUT_CONTENT_LEN"});
  CHECK(d.changed.empty());
  CHECK(c.effective.at("MBEDTLS_MPI_MAX_SIZE").value == "256");
  CHECK(c.effective.at("MBEDTLS_MPI_MAX_SIZE").line > 0);
}

TEST_CASE("an imported config's profile header builds exactly the options it keeps, on each line") {
  for (const auto& [file, line] :
       {std::pair{"field-device-cubemx/mbedtls_config.h", "2.28"}, std::pair{"cubemx-h5-3x/mbedtls_config.h", "3.6"},
        std::pair{"trimmed-3x.h", "3.6"}}) {
    INFO(file);
    const auto t = tree(line);
    const auto c = import_config(kConfigs / file, t, "named");
    const auto header = write_temp("shakedown-config-import-test.h", c.profile_header);
    CHECK(without_lines(c.effective) == built_options(t, header));
    fs::remove(header);
  }
}

TEST_CASE("a CubeMX 3.x config's hardware alternates are replaced and its user-config file counts") {
  const auto c = import_config(kConfigs / "cubemx-h5-3x" / "mbedtls_config.h", tree("3.6"), "named");
  for (const char* hook :
       {"MBEDTLS_AES_ALT", "MBEDTLS_GCM_ALT", "MBEDTLS_SHA256_ALT", "MBEDTLS_ECDSA_VERIFY_ALT",
        "MBEDTLS_ECDSA_SIGN_ALT", "MBEDTLS_ECP_ALT", "MBEDTLS_ENTROPY_HARDWARE_ALT", "MBEDTLS_NO_PLATFORM_ENTROPY",
        "MBEDTLS_PLATFORM_MS_TIME_ALT", "MBEDTLS_PLATFORM_SNPRINTF_MACRO"}) {
    INFO(hook);
    CHECK(substituted(c, hook));
  }
  REQUIRE(c.dropped_includes.size() == 1);
  CHECK(c.dropped_includes[0].header == "stm32h5xx_hal.h");
  // mbedtls_user_config.h is read after the file, as build_info.h reads it.
  CHECK(c.effective.at("MBEDTLS_SSL_IN_CONTENT_LEN").value == "4096");
  CHECK(c.effective.at("MBEDTLS_SSL_IN_CONTENT_LEN").file == "mbedtls_user_config.h");
  CHECK_FALSE(c.effective.contains("MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE"));
  CHECK_FALSE(c.effective.contains("MBEDTLS_ECP_DP_BP256R1_ENABLED"));
  CHECK(c.effective.contains("MBEDTLS_SSL_PROTO_TLS1_3"));
}

TEST_CASE("a config's line is guessed from the options it uses") {
  const auto trees = built_trees();
  std::string why;
  CHECK(guess_tree(kConfigs / "field-device-cubemx" / "mbedtls_config.h", trees, &why).line == "2.28");
  CHECK_THAT(why, Catch::Contains("Mbed TLS 2.28's"));
  CHECK(guess_tree(kConfigs / "cubemx-h5-3x" / "mbedtls_config.h", trees, &why).line == "3.6");
  CHECK(guess_tree(kConfigs / "trimmed-3x.h", trees, &why).line == "3.6");
}

TEST_CASE("a config the compiler rejects is an error naming its file and line") {
  const auto file = write_temp("shakedown-broken-config.h", "#define MBEDTLS_SSL_TLS_C\n#error no such board\n");
  try {
    import_config(file, tree("3.6"), "named");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains(file.string() + ":2:"));
    CHECK_THAT(e.what(), Catch::Contains("no such board"));
  }
  fs::remove(file);
}

TEST_CASE("the config hash follows the options, not the file's name or comments") {
  const auto t = tree("3.6");
  const auto a = write_temp("shakedown-hash-a.h", "/* one */\n#define MBEDTLS_SSL_TLS_C\n#define MBEDTLS_SSL_CLI_C\n");
  const auto b = write_temp("shakedown-hash-b.h", "/* two */\n#define MBEDTLS_SSL_CLI_C\n#define MBEDTLS_SSL_TLS_C\n");
  const auto c = write_temp("shakedown-hash-c.h", "#define MBEDTLS_SSL_TLS_C\n");
  const auto ia = import_config(a, t, "named");
  CHECK(ia.hash.size() == 16);
  CHECK(import_config(b, t, "named").hash == ia.hash);
  CHECK(import_config(c, t, "named").hash != ia.hash);
  for (const auto& f : {a, b, c}) fs::remove(f);
}

TEST_CASE("what is not a config header is an error naming it, and a long line is read whole") {
  const auto t = tree("3.6");
  const auto binary = write_temp("shakedown-binary-config.h", std::string("\x7f"
                                                                          "ELF\0\0\x01",
                                                                          7) +
                                                                  "\n");
  CHECK_THROWS_WITH(import_config(binary, t, "named"), Catch::Contains(binary.string() + ":1: not a text file"));
  CHECK_THROWS_WITH(import_config(fs::temp_directory_path(), t, "named"), Catch::Contains("not a file"));
  // A value of 200,000 characters: longer than std::regex's recursion survives.
  const std::string suites(200'000, 'A');
  const auto long_line =
      write_temp("shakedown-long-config.h", "#define MBEDTLS_SSL_TLS_C\n#define MBEDTLS_X " + suites + "\n");
  const auto c = import_config(long_line, t, "named");
  CHECK(c.effective.at("MBEDTLS_X").value == suites);
  for (const auto& f : {binary, long_line}) fs::remove(f);
}
