#pragma once
// Stack high-water mark: the free stack is painted with a pattern, and the
// deepest word no longer holding it shows how much stack was ever used.
// Repainting between requests gives each request's own peak.

#include <cstddef>

namespace shakedown::qemu {

// Paints from the stack's limit up to just below the caller's frame.
void paint_stack();
// Bytes of stack used since the last paint_stack(), measured from the top.
size_t stack_peak();
size_t stack_size();

}  // namespace shakedown::qemu
