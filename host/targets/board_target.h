#pragma once
// The board target: NUCLEO-F429ZI boards on a bench, driven exactly like
// the QEMU target, through the device protocol on each board's ST-Link
// virtual COM port. One cell runs on one board at a time; a bench of N
// boards runs N cells at once.
//
// Per cell, on a free board:
//   1. the link: the serial port whose USB serial number is the board's,
//      (re)opened by that number, so a board that re-enumerated under
//      another name is found again; or, for a board on another host, its
//      port exported by ser2net, (re)connected by URL;
//   2. a hardware reset through the debug probe (local, or openocd's TCL
//      server on the board's host), then sync; no banner means
//      one more reset and sync, then an infrastructure error. Between
//      healthy cells a protocol reset is enough;
//   3. the image: if the banner names another (line, profile), the cell's
//      image is flashed and the board reset and synced again;
//   4. configure, upload, connect to the bench relay (this host's bench
//      address, which relays to the cell's server on 127.0.0.1), close.
// Anything going wrong on the way (a silent board, garbage only, the port
// vanishing, a board that stops answering) is an infrastructure error for
// that cell, never a result, and the board is reset and reopened before
// its next cell. BoardBackend is what it does differently from the other
// targets (device_backend.h): its boards are a fixed fleet, and
// PooledTarget drives them.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench_file.h"
#include "bench_relay.h"
#include "board_list.h"
#include "device_backend.h"
#include "link.h"
#include "pooled_target.h"
#include "shakedown/errors/result.h"

namespace shakedown::targets {

// What the board target does to the hardware: the seam between its state
// machine and a real bench (StLinkBench) or a stand-in replaying recorded
// traffic (testing/replayed_board.h). Called from one thread per board.
class BenchHardware {
 public:
  virtual ~BenchHardware() = default;
  // Each call returns an infrastructure error saying why when it fails.
  // The serial ports attached now.
  virtual Result<std::vector<boards::SerialPortInfo>> ports() = 0;
  // Opens a port for the device protocol (never a null link): a local
  // port's name, or a network serial port's URL.
  virtual Result<std::unique_ptr<links::Link>> open(const std::string& port) = 0;
  // Resets the board's MCU, not its probe: its serial port stays open.
  virtual Result<void> reset(const BenchBoard& board) = 0;
  // Programs `image` (a path on this host) into the board.
  virtual Result<void> flash(const BenchBoard& board, const std::filesystem::path& image) = 0;
};

struct BoardTargetOptions {
  // Holds firmware-nucleo-f429zi-<line>-<profile>.elf (and .bin).
  std::filesystem::path image_dir;
  // false: a board running another build is an infrastructure error
  // instead of being flashed (a bench that must not be reprogrammed).
  bool flash = true;
  // After a hardware reset, how long the agent has to answer sync (boot,
  // clocks, Ethernet bring-up come first).
  std::chrono::milliseconds banner_timeout{5'000};
  int resets_before_giving_up = 2;
  // How long a board's serial port may be missing (USB re-enumeration, a
  // bench host's ser2net restarting) before the cell is given up.
  std::chrono::milliseconds reappear_timeout{10'000};
  std::chrono::milliseconds poll_interval{250};
  // Set: each board session's traffic is recorded here
  // (board-<name>-<n>.traffic).
  std::filesystem::path traffic_dir;
};

class BoardBackend final : public DeviceBackend {
 public:
  BoardBackend(Bench bench, std::unique_ptr<BenchHardware> hardware, BoardTargetOptions options);
  std::string name() const override { return "board"; }
  std::optional<std::string> unavailable(const std::string& mbedtls_line, const std::string& profile) const override;
  // Firmware has no clock of its own.
  DeviceClock clock() const override { return DeviceClock::kFromHost; }
  // The bench's boards, in its order; called once.
  std::vector<std::unique_ptr<DeviceInstance>> fleet() override;
  std::unique_ptr<DeviceInstance> make_instance(const HandshakeRequest&) override { return nullptr; }
  std::string none_free() const override { return "no board of the bench became free before the cell's deadline"; }

  std::filesystem::path image_path(const std::string& mbedtls_line, const std::string& profile) const;

 private:
  friend class BoardDevice;
  Bench bench_;
  std::unique_ptr<BenchHardware> hardware_;
  BoardTargetOptions options_;
};

// PooledTarget over BoardBackend, named for its callers.
class BoardTarget final : public PooledTarget {
 public:
  BoardTarget(Bench bench, std::unique_ptr<BenchHardware> hardware, BoardTargetOptions options)
      : PooledTarget(std::make_unique<BoardBackend>(std::move(bench), std::move(hardware), std::move(options))) {}

  std::filesystem::path image_path(const std::string& mbedtls_line, const std::string& profile) const {
    return static_cast<const BoardBackend&>(backend()).image_path(mbedtls_line, profile);
  }
};

// The real bench: libserialport for local ports and SerialLink for their
// line, or ser2net's network serial ports; openocd or st-flash (by ST-Link
// serial number) for reset and flash, or openocd's TCL server on the
// board's host.
class StLinkBench final : public BenchHardware {
 public:
  // `tool`: "", "openocd" or "st-flash" (the bench file's flash_tool).
  explicit StLinkBench(std::string tool);
  Result<std::vector<boards::SerialPortInfo>> ports() override;
  Result<std::unique_ptr<links::Link>> open(const std::string& port) override;
  Result<void> reset(const BenchBoard& board) override;
  Result<void> flash(const BenchBoard& board, const std::filesystem::path& image) override;

 private:
  std::string tool_;
};

}  // namespace shakedown::targets
