#pragma once
// The topics a device developer reads a config by: the options that change
// how the handshake goes, grouped as `shakedown config show` lists them.

#include <span>
#include <string>
#include <string_view>

namespace shakedown::mbedtls_config {

struct OptionTopic {
  std::string_view title;    // "versions"
  std::string_view pattern;  // ECMAScript regex over the option's name, matched whole
};

std::span<const OptionTopic> option_topics();

// The first topic whose pattern matches `option`; nullptr: none (not TLS behaviour).
const OptionTopic* topic_of(const std::string& option);

}  // namespace shakedown::mbedtls_config
