#pragma once
// QemuInstance: one firmware image running under qemu-system-arm
// (mps2-an386), synced and ready for requests.
//
// Starting it: listen on 127.0.0.1:<ephemeral>, make a FIFO for the
// agent's output and open it, start QEMU with UART0 as a socket chardev
// that connects to us and the FIFO's path on the semihosting command line
// (so the host is attached to both before the guest runs and no boot output
// is lost), accept, sync. Requests go by UART0; the agent writes its frames
// into the FIFO, a semihosting call each, which costs far less emulated
// time than UART0's model does a byte at a time (see split_link.h). The guest's network
// reaches only the test server: slirp with restrict=on and one guestfwd,
// 10.0.2.100:4433, whose cmd: helper (shakedown-guestfwd-relay) relays each
// guest connection to 127.0.0.1:<server port>, resets included. The helper
// reads the port from a file at each connection, so one boot can serve one
// test server after another (set_server between handshakes).
//
// Stopping it: SIGTERM, then SIGKILL after a bound; the guestfwd helpers,
// which slirp starts in sessions of their own, are killed by the pids they
// record and reaped. A QEMU that dies on its own (a firmware fault exits
// through semihosting with a status, a LAN9118 driver bug aborts QEMU) is an
// infrastructure error, reported with its exit and stderr.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "chaos_link.h"
#include "child.h"
#include "device_client.h"
#include "instance_exit.h"
#include "tcp_link.h"

namespace shakedown::targets {

struct QemuOptions {
  std::filesystem::path qemu;                      // qemu-system-arm
  std::filesystem::path relay;                     // shakedown-guestfwd-relay
  std::filesystem::path image;                     // the firmware ELF
  uint16_t server_port = 0;                        // the test server on 127.0.0.1; 0: none yet
  std::chrono::milliseconds boot_timeout{10'000};  // until UART0 attaches and the agent syncs
  std::filesystem::path traffic_transcript;        // set: UART0's traffic recorded there
  // The agent's output through a pipe (semihosting writes, a frame at a
  // time) instead of UART0's byte-wide model; requests still go by UART0.
  bool output_pipe = true;
  links::ChaosSource* chaos = nullptr;  // set: the link goes through its faults (outside any recording)
  // Where its work folder (the FIFO, the guestfwd's port and pid files) is
  // made: the run's folder for temporary files; empty: $TMPDIR.
  std::filesystem::path scratch_dir;
  // The NIC's link is down when the guest starts (QEMU starts paused, its
  // monitor takes the link down, then lets it run), as a board's is for
  // the seconds auto-negotiation takes; set_link() raises it.
  bool link_down_at_boot = false;
};

// Where the guest finds the test server (the guestfwd's guest side).
inline constexpr const char* kGuestServerAddress = "10.0.2.100";
inline constexpr uint16_t kGuestServerPort = 4433;

class QemuInstance {
 public:
  // Boots the image and syncs with its agent. Throws std::runtime_error (or
  // device::DeviceError) saying what went wrong; QEMU is gone then.
  explicit QemuInstance(const QemuOptions& options);
  ~QemuInstance();
  QemuInstance(const QemuInstance&) = delete;
  QemuInstance& operator=(const QemuInstance&) = delete;

  device::DeviceClient& device() { return *device_; }
  const device::Banner& banner() const { return banner_; }

  // Where the guest's next connections go: address:port (an IPv4 address;
  // 127.0.0.1 for a cell's test server). Call it only while no connection
  // of the guest is being set up (between handshakes); a connection already
  // relayed keeps its server. Throws std::runtime_error if the file cannot
  // be written.
  void set_server(const std::string& address, uint16_t port);

  // Takes the NIC's link up or down, as a cable would (QMP's set_link). Only for instances started with
  // link_down_at_boot, which have a monitor; throws std::runtime_error otherwise, or if QEMU does not confirm within a
  // bound.
  void set_link(bool up);

  // Stops QEMU and its helpers within `timeout` (then kills them); returns
  // how QEMU ended: kStopped when it was still running as it should be,
  // else its exit (kExitCode 12, meaning "CPU fault").
  InstanceExit stop(std::chrono::milliseconds timeout);
  // QEMU's stderr: its own errors and the firmware's semihosting output.
  const std::string& stderr_text() { return child_->stderr_text(); }

 private:
  // Reaps the guestfwd helpers that have exited; with `wait`, waits for the
  // others (bounded) and kills what lingers.
  void reap_helpers(bool wait);
  // Runs one QMP command (a JSON line) and waits, bounded, for its answer;
  // throws std::runtime_error if it does not come or QEMU refuses.
  void monitor_command(const std::string& command);

  std::filesystem::path work_dir_;  // the helpers' pid file and the server's port
  std::optional<process::Child> child_;
  std::unique_ptr<links::Link> link_;
  std::optional<links::TcpLink> monitor_;  // QEMU's QMP monitor, when asked for
  std::string monitor_said_;               // what it sent that no command has read yet
  std::optional<device::DeviceClient> device_;
  device::Banner banner_;
  std::set<pid_t> reaped_;  // helpers already reaped
  bool stopped_ = false;
};

// `exit` with what its status means for this port's firmware (its
// FatalExit codes) when it is one of them.
InstanceExit with_firmware_meaning(InstanceExit exit);

}  // namespace shakedown::targets
