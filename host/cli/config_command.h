#pragma once
// `shakedown config show FILE`: a device's own Mbed TLS config as shakedown
// builds it: what is replaced by the target's seams, the options that change
// TLS behaviour (kept exactly), and what differs from the line's defaults.

#include <string>

namespace shakedown::cli {

struct ConfigArgs {
  std::string file;
  std::string mbedtls;  // a line this build has, or a tree's folder; empty: guessed from the file
  bool json = false;
  std::string profile_out;  // also write the profile header (the delta over the line's defaults) here
};

// Exit status: 0 shown, 3 a file that does not preprocess, or an unknown line or tree.
int config_show_command(const ConfigArgs& args);

}  // namespace shakedown::cli
