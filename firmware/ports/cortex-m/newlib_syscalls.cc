// newlib's system calls that are the same on every board: no file system, no
// terminal, no processes; the heap bounded by the linker script's
// __newlib_heap_start/__newlib_heap_end. The port adds _write, _exit and
// abort, which differ (semihosting under QEMU; a halt on the board).

#include <sys/stat.h>
#include <sys/time.h>

#include <cerrno>
#include <cstddef>

extern "C" {
extern char __newlib_heap_start, __newlib_heap_end;

// The heap newlib's malloc grows into: running out is reported (ENOMEM),
// never a silent overwrite of other data.
void* _sbrk(ptrdiff_t increment) {
  static char* brk = &__newlib_heap_start;
  if (increment > &__newlib_heap_end - brk || increment < &__newlib_heap_start - brk) {
    errno = ENOMEM;
    return reinterpret_cast<void*>(-1);
  }
  char* previous = brk;
  brk += increment;
  return previous;
}

int _read(int, char*, int) {
  errno = ENOSYS;
  return -1;
}

int _close(int) {
  return -1;
}

int _lseek(int, int, int) {
  return 0;
}

int _fstat(int, struct stat* st) {
  st->st_mode = S_IFCHR;
  return 0;
}

int _isatty(int) {
  return 1;
}

// Mbed TLS's default time hook names time(); the core replaces the hook with
// its Clock seam before any use, so this only has to say "no clock".
int _gettimeofday(struct timeval*, void*) {
  errno = ENOSYS;
  return -1;
}

int _getpid() {
  return 1;
}

int _kill(int, int) {
  errno = EINVAL;
  return -1;
}
}
