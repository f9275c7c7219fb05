#pragma once
// StackGauge seam: how deep a handshake drove the stack, where the port can
// tell (QEMU's firmware paints its stack; the simulator runs on a host
// thread whose stack it does not measure, and passes none).
//
// Contract: the agent calls arm() just before the client connects and
// peak_bytes() right after the handshake ends, both from the same call
// chain, on the stack being measured. arm() may overwrite the stack below
// its caller's frame. peak_bytes() is the deepest use since arm(), in bytes
// from the stack's top (so the frames above arm()'s caller count), or 0 when
// it cannot tell; it is an estimate: a frame that skipped words leaves them
// uncounted.

#include <cstdint>

namespace shakedown::agent {

class StackGauge {
 public:
  virtual ~StackGauge() = default;
  virtual void arm() = 0;
  virtual uint32_t peak_bytes() = 0;
};

}  // namespace shakedown::agent
