#include "key_log.h"

namespace shakedown::servers {

namespace {

// Where an SSL's key log string lives while OpenSSL calls back.
int key_log_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

void on_key_log_line(const SSL* ssl, const char* line) {
  auto* lines = static_cast<std::string*>(SSL_get_ex_data(ssl, key_log_index()));
  if (lines == nullptr || line == nullptr) return;
  lines->append(line);
  lines->push_back('\n');
}

}  // namespace

void install_key_log(SSL_CTX* ctx) {
  SSL_CTX_set_keylog_callback(ctx, on_key_log_line);
}

bool attach_key_log(SSL* ssl, std::string* lines) {
  return key_log_index() >= 0 && SSL_set_ex_data(ssl, key_log_index(), lines) == 1;
}

}  // namespace shakedown::servers
