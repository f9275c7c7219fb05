#include "pki_internal.h"

#include <algorithm>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "openssl_ptr.h"

namespace shakedown::servers::pki_internal {

Counters& counters() {
  static Counters c;
  return c;
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("PKI: " + what + ": " + take_openssl_errors());
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

void on_every_core(size_t count, const std::function<void(size_t)>& work) {
  const size_t workers = std::min<size_t>(count, std::max(1u, std::thread::hardware_concurrency()));
  if (workers <= 1) {
    for (size_t i = 0; i < count; ++i) work(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::future<void>> done;
  for (size_t w = 0; w < workers; ++w) {
    done.push_back(std::async(std::launch::async, [&] {
      for (size_t i = next++; i < count; i = next++) work(i);
    }));
  }
  for (auto& d : done) d.get();
}

}  // namespace shakedown::servers::pki_internal
