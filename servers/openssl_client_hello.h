#pragma once
// The ClientHello as OpenSSL's client_hello callback shows it
// (SSL_client_hello_get0_*), parsed into a ClientHelloCapture. Valid only
// inside that callback; extensions that do not parse are left empty.

#include <openssl/ssl.h>

#include "capture.h"

namespace shakedown::servers {

ClientHelloCapture read_client_hello(SSL* ssl);

}  // namespace shakedown::servers
