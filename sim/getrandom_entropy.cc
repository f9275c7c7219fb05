#include "getrandom_entropy.h"

#include <sys/random.h>
#include <cerrno>

namespace shakedown::sim {

bool GetrandomEntropy::fill(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace shakedown::sim
