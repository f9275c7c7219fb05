// The newlib system calls that are this port's own (the rest are
// ports/cortex-m's): the UART belongs to the device protocol, so stray printf
// output goes to QEMU's stderr through semihosting instead of corrupting
// frames, and an exit or abort ends QEMU with a status the host reads.

#include "semihosting.h"

extern "C" {

int _write(int, const char* data, int size) {
  // SYS_WRITE0 wants a NUL-terminated string: send bounded pieces.
  char piece[65];
  int done = 0;
  while (done < size) {
    int n = size - done < 64 ? size - done : 64;
    for (int i = 0; i < n; ++i) piece[i] = data[done + i] != '\0' ? data[done + i] : ' ';
    piece[n] = '\0';
    shakedown::qemu::semihosting_write(piece);
    done += n;
  }
  return size;
}

void _exit(int status) {
  shakedown::qemu::semihosting_exit(status);
}

void abort() {
  shakedown::qemu::semihosting_write("shakedown: abort\n");
  shakedown::qemu::semihosting_exit(static_cast<int>(shakedown::qemu::FatalExit::kAbort));
}
}
