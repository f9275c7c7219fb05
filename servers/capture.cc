#include "capture.h"

#include "shakedown/tls/alert.h"
#include "shakedown/tls/cipher_suite.h"

namespace shakedown::servers {

const char* connection_end_name(ConnectionEnd end) {
  switch (end) {
    case ConnectionEnd::kHandshakeDone: return "handshake-done";
    case ConnectionEnd::kMisbehaved: return "misbehaved";
    case ConnectionEnd::kFailedWithAlert: return "failed-with-alert";
    case ConnectionEnd::kFailedWithReset: return "failed-with-reset";
    case ConnectionEnd::kFailedWithClose: return "failed-with-close";
    case ConnectionEnd::kClientClosed: return "client-closed";
    case ConnectionEnd::kTimedOut: return "timed-out";
  }
  return "unknown";
}

const RecordSeen* ConnectionCapture::largest_record() const {
  const RecordSeen* best = nullptr;
  for (const auto& r : records_sent) {
    if (best == nullptr || r.length > best->length) best = &r;
  }
  return best;
}

const char* handshake_type_name(int type) {
  return tls::handshake_type_name(type);
}

SuiteName suite_name(uint16_t id) {
  SuiteName name{id, {}, {}};
  if (const tls::CipherSuite* s = tls::cipher_suite(id)) {
    name.openssl_name = s->openssl_name;
    name.iana_name = s->iana_name;
  }
  return name;
}

bool is_signalling_suite(uint16_t id) {
  return tls::is_signalling_suite(id);
}

}  // namespace shakedown::servers
