#pragma once
// Heap: Mbed TLS's heap as a bounded arena (MBEDTLS_MEMORY_BUFFER_ALLOC_C),
// the same on every target, so the peak a handshake needs is measured the
// same way on the simulator, under QEMU and on the board, and a budget can
// be imposed. The arena belongs to the port (static storage on firmware).
//
// Mbed TLS keeps one global allocator: one Heap per program.

#include <cstddef>
#include <cstdint>
#include <span>

namespace shakedown::core {

class Heap {
 public:
  explicit Heap(std::span<uint8_t> arena) : arena_(arena) {}

  // Hands Mbed TLS the first `budget` bytes of the arena (0 or more than the
  // arena: all of it) and resets the peak. Only while nothing is allocated.
  void begin(size_t budget);
  // Takes the arena back from Mbed TLS. Only once everything is freed.
  void end();

  size_t capacity() const { return arena_.size(); }
  size_t budget() const { return budget_; }
  // Bytes Mbed TLS has allocated now, and the most it had since begin().
  size_t in_use() const;
  size_t peak() const;

 private:
  std::span<uint8_t> arena_;
  size_t budget_ = 0;
  bool active_ = false;
};

}  // namespace shakedown::core
