#pragma once
// Whether the user's CA file anchors the chain a server sends: its path of
// signatures only. Dates, names, key sizes and signature hashes are the
// device's to judge (and other findings); a probe copies them into the
// replica as they are.

#include <optional>
#include <string>

struct stack_st_X509;  // OpenSSL's STACK_OF(X509)

namespace shakedown::probe {

// The certificates of a PEM CA file, or why it cannot be read ("no
// certificate in it", OpenSSL's words), for the error a user sees at once.
std::optional<std::string> ca_file_problem(const std::string& ca_file);

// Empty when a certificate of `ca_file` anchors `chain` (as sent, leaf
// first); else OpenSSL's words for where the path breaks ("unable to get
// local issuer certificate").
std::string unanchored_because(const std::string& ca_file, stack_st_X509* chain);

}  // namespace shakedown::probe
