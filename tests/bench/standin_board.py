"""A stand-in for a NUCLEO board on a bench host, for tests of remote benches on one machine. Named a
stand-in because it is one: there is no probe and no STM32 here.

- The MCU: QEMU (mps2-an386) running shakedown's QEMU image.
- The ST-Link's virtual COM port: a pseudo-terminal this object owns and bridges to QEMU's UART. Like the
  USB port, it stays while the MCU is reset or reprogrammed; ser2net opens its path as a serial device.
- openocd's TCL server: a TCP server on 127.0.0.1 answering the commands shakedown sends
  (host/boards/openocd_tcl.h), each wrapped in Tcl's catch: `reset run` resets QEMU through its QMP
  monitor; `program {IMAGE} verify reset` boots image_for(IMAGE) in a new QEMU (QEMU cannot run the NUCLEO
  image; the caller maps it to the QEMU image of the same build). Other commands fail as openocd's
  interpreter fails an unknown one.
- The board's network: QEMU's user networking, restrict=on, with one guestfwd from guest_relay to
  127.0.0.1:relay_target_port (the orchestrator's bench relay) through shakedown-guestfwd-relay.

Every wait is bounded; QEMU and the relay helpers are reaped on close().
"""

import ctypes
import json
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time
import tty

TIMEOUT = 10  # seconds, for QEMU to attach and for each monitor reply
PR_SET_CHILD_SUBREAPER = 36
WRAPPED = re.compile(r'^if \{\[catch \{(.*)\} e\]\} \{set e "error: \$e"\} else \{set e ok\}$', re.S)
PROGRAM = re.compile(r"^program \{(.*)\} verify reset$", re.S)


def _listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    s.settimeout(TIMEOUT)
    return s


class StandinBoard:
    def __init__(self, qemu, image, relay_helper, relay_target_port, work_dir, guest_relay=("10.0.2.100", 4433),
                 image_for=lambda path: path):
        os.makedirs(work_dir, exist_ok=True)
        # The relay helpers are double-forked by QEMU's glib: orphaned to us, so they can be reaped.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        self.qemu, self.relay_helper, self.work_dir = qemu, relay_helper, work_dir
        self.guest_relay, self.image_for = guest_relay, image_for
        self.commands = []
        with open(os.path.join(work_dir, "server"), "w", encoding="ascii") as f:
            f.write(f"127.0.0.1 {relay_target_port}\n")
        self._pids_file = os.path.join(work_dir, "relay-pids")
        open(self._pids_file, "w").close()
        self._master, slave = os.openpty()
        tty.setraw(slave)
        self.pty_path = os.ttyname(slave)
        os.close(slave)
        os.set_blocking(self._master, False)
        self._lock = threading.Lock()  # QEMU, its UART and monitor
        self._uart = self._qmp = self._process = None
        self._stop = False
        self._boot(image)
        self._tcl = _listener()
        self.tcl_port = self._tcl.getsockname()[1]
        self._threads = [threading.Thread(target=f, daemon=True) for f in (self._bridge, self._serve_tcl)]
        for t in self._threads:
            t.start()

    # --- the MCU ---

    def _boot(self, image):
        uart, monitor = _listener(), _listener()
        relay = f"{os.path.abspath(self.relay_helper)} server relay-pids"
        argv = [self.qemu, "-M", "mps2-an386", "-nographic", "-kernel", os.path.abspath(image),
                "-semihosting-config", "enable=on,target=native",
                "-chardev", f"socket,id=uart0,host=127.0.0.1,port={uart.getsockname()[1]},server=off",
                "-serial", "chardev:uart0", "-monitor", "none",
                "-chardev", f"socket,id=monitor,host=127.0.0.1,port={monitor.getsockname()[1]},server=off",
                "-mon", "chardev=monitor,mode=control",
                "-nic", f"user,id=net0,model=lan9118,restrict=on,guestfwd=tcp:{self.guest_relay[0]}:"
                        f"{self.guest_relay[1]}-cmd:{relay}"]
        self._log = open(os.path.join(self.work_dir, "qemu.log"), "a")
        self._process = subprocess.Popen(argv, cwd=self.work_dir, stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=subprocess.STDOUT)
        try:
            self._uart, _ = uart.accept()
            self._qmp, _ = monitor.accept()
        finally:
            uart.close()
            monitor.close()
        self._qmp.settimeout(TIMEOUT)
        self._qmp_file = self._qmp.makefile("r", encoding="utf-8")
        self._qmp_file.readline()  # the greeting
        self._monitor("qmp_capabilities")

    def _monitor(self, command):
        self._qmp.sendall(json.dumps({"execute": command}).encode() + b"\n")
        while True:  # events may come first
            reply = json.loads(self._qmp_file.readline() or "{}")
            if not reply:
                raise RuntimeError(f"QEMU's monitor closed during {command}")
            if "return" in reply or "error" in reply:
                return reply

    def _shut_down_qemu(self):
        if self._process is None:
            return
        try:
            self._monitor("quit")
        except (OSError, RuntimeError, ValueError):
            pass
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=TIMEOUT)
        for s in (self._uart, self._qmp):
            s.close()
        self._uart = self._qmp = self._process = None
        self._log.close()

    # --- the virtual COM port ---

    def _bridge(self):
        master_open_at = 0.0  # a pty master reads EIO while no one has the slave open: look again later
        while not self._stop:
            uart = self._uart
            watch = [uart] if uart else []
            if time.monotonic() >= master_open_at:
                watch.append(self._master)
            try:
                ready, _, _ = select.select(watch, [], [], 0.05)
            except (OSError, ValueError):
                continue  # the UART closed under us (a reprogramming)
            if self._master in ready:
                try:
                    data = os.read(self._master, 4096)
                    if uart and data:
                        uart.sendall(data)
                except OSError:
                    master_open_at = time.monotonic() + 0.05
            if uart in ready:
                try:
                    data = uart.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    time.sleep(0.05)
                    continue
                try:
                    os.write(self._master, data)
                except OSError:
                    pass  # nobody listening, or the line is full: lost, as on a real port
            self._reap_relays()

    # --- openocd's TCL server ---

    def _serve_tcl(self):
        self._tcl.settimeout(0.1)
        clients = {}
        while not self._stop:
            try:
                conn, _ = self._tcl.accept()
                clients[conn] = b""
            except socket.timeout:
                pass
            except OSError:
                return
            ready = select.select(list(clients), [], [], 0.05)[0] if clients else []
            for conn in ready:
                data = conn.recv(4096)
                if not data:
                    conn.close()
                    del clients[conn]
                    continue
                clients[conn] += data
                while b"\x1a" in clients[conn]:
                    command, clients[conn] = clients[conn].split(b"\x1a", 1)
                    conn.sendall(self._answer(command.decode("utf-8", "replace")).encode() + b"\x1a")

    def _answer(self, text):
        wrapped = WRAPPED.match(text)
        command = wrapped.group(1) if wrapped else text
        self.commands.append(command)
        try:
            with self._lock:
                if command == "reset run":
                    self._monitor("system_reset")
                elif PROGRAM.match(command):
                    image = self.image_for(PROGRAM.match(command).group(1))
                    if not os.path.isfile(image):
                        raise RuntimeError(f"couldn't open {image}")
                    self._shut_down_qemu()
                    self._boot(image)
                else:
                    raise RuntimeError(f'invalid command name "{command.split()[0] if command.split() else ""}"')
        except (OSError, RuntimeError, ValueError) as e:
            return f"error: {e}" if wrapped else str(e)
        return "ok" if wrapped else ""

    # --- the guest's connections ---

    def connections(self):
        """Connections the device has made through the guestfwd (each relay helper appends its pid)."""
        with open(self._pids_file, encoding="ascii") as f:
            return sum(1 for line in f if line.strip())

    def _relay_pids(self):
        with open(self._pids_file, encoding="ascii") as f:
            return [int(line) for line in f if line.strip().isdigit()]

    def _reap_relays(self):
        for pid in self._relay_pids():
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass

    def close(self):
        self._stop = True
        for t in self._threads:
            t.join(timeout=TIMEOUT)
        with self._lock:
            self._shut_down_qemu()
        self._tcl.close()
        for pid in self._relay_pids():
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        break
                except ChildProcessError:
                    break
                time.sleep(0.02)
        os.close(self._master)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
