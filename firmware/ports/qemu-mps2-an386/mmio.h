#pragma once
// Register access for the board's memory-mapped peripherals.

#include <cstdint>

namespace shakedown::qemu {

inline uint32_t read_reg(uintptr_t address) {
  return *reinterpret_cast<volatile uint32_t*>(address);
}

inline void write_reg(uintptr_t address, uint32_t value) {
  *reinterpret_cast<volatile uint32_t*>(address) = value;
}

}  // namespace shakedown::qemu
