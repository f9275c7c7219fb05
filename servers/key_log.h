#pragma once
// Key logs per connection: the SSLKEYLOGFILE lines (NSS key log format, what
// Wireshark's tls.keylog_file reads) of each SSL go to a string its
// connection owns, instead of one process-wide file.
//
//   install_key_log(ctx);                   // once per SSL_CTX
//   attach_key_log(ssl, &capture.key_log);  // per SSL, before its handshake
//
// Each line OpenSSL logs (TLS 1.2: CLIENT_RANDOM; TLS 1.3: the handshake and
// traffic secrets) is appended with a '\n'; write the string beside the
// connection's pcap (pcap_writer.h). Callbacks run on the thread driving the
// SSL, so the string needs no lock if that thread owns it.

#include <openssl/ssl.h>

#include <string>

namespace shakedown::servers {

// Sets the keylog callback of `ctx` (replacing any other). SSLs of `ctx`
// without an attached string log nothing.
void install_key_log(SSL_CTX* ctx);

// Routes the key log lines of `ssl` to `lines`, which must outlive `ssl` or
// be detached first with nullptr. Returns false if OpenSSL refused.
bool attach_key_log(SSL* ssl, std::string* lines);

}  // namespace shakedown::servers
