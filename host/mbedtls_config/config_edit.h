#pragma once
// One change to a device config, as a finding's fix states it, applied to
// an imported config to make the derived config that `--verify-fixes`
// builds. The fix sentences (host/diagnosis) open with the change in one of
// two forms, "#define NAME [VALUE][, NAME [VALUE]...][ and NAME [VALUE]] in
// FILE" and "Add MBEDTLS_X to
// MBEDTLS_SSL_CIPHERSUITES in FILE"; fix_sentences_test pins each
// sentence, so this reads a form that is tested where it is written.

#include <optional>
#include <string>
#include <vector>

#include "config_import.h"

namespace shakedown::mbedtls_config {

struct Define {
  std::string option;  // MBEDTLS_SHA1_C
  std::string value;   // "512"; empty for a bare define
};

struct ConfigEdit {
  std::string option;  // MBEDTLS_SHA1_C, or MBEDTLS_SSL_CIPHERSUITES for an added suite
  std::string value;   // "512"; the suite's macro when adding one; empty for a bare define
  bool add_suite = false;
  // Defines the fix makes together with the first, when one needs another
  // ("#define MBEDTLS_RSA_C and MBEDTLS_PKCS1_V15 in FILE").
  std::vector<Define> together;

  // "#define MBEDTLS_MPI_MAX_SIZE 512", "#define MBEDTLS_RSA_C and MBEDTLS_PKCS1_V15",
  // "add MBEDTLS_TLS_... to MBEDTLS_SSL_CIPHERSUITES"
  std::string describe() const;
};

// The config change a fix sentence opens with; nullopt when the fix is not
// one (a change on the server, or at run time).
std::optional<ConfigEdit> config_edit_of(const std::string& fix);

// "NAME" or "NAME VALUE", as --try-fix takes it; nullopt if not an option name.
std::optional<ConfigEdit> parse_config_edit(const std::string& text);

// `config` with the edit made: its own name (`<name>-<suffix>`), header and hash.
ImportedConfig apply_edit(const ImportedConfig& config, const ConfigEdit& edit, const std::string& suffix);

}  // namespace shakedown::mbedtls_config
