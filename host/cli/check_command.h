#pragma once
// `shakedown check --config FILE`: the whole scenario catalogue against one
// device config, summarised as the servers it can and cannot talk to, by
// cause, each cause with its fix verified and priced (fix_verification.h).

#include <string>
#include <vector>

namespace shakedown::cli {

struct CheckArgs {
  std::string config_file;
  std::vector<std::string> mbedtls_lines;  // the config's line; empty: guessed from the file
  std::vector<std::string> paths;          // scenario files or folders; empty: the catalogue this build has
  unsigned jobs = 2;
  std::string json_path;  // also write the summary as JSON here
};

// Exit status: 0 the config talks to every server a device should (its only
// failures are the refusals every profile's expectation also fails), 1 some
// server it cannot talk to, 2 an infrastructure error, 3 a usage error.
int check_command(const CheckArgs& args);

}  // namespace shakedown::cli
