"""Debian's ser2net, started by a test on 127.0.0.1 to export one serial device over RFC 2217, as a bench
host's ser2net exports a board's port. Its port is the kernel's pick, read from /proc; kill() ends it as a
crash would, restart() brings it back on the same port. Every wait is bounded; the process is reaped."""

import os
import signal
import subprocess
import time

SER2NET = "/usr/sbin/ser2net"
START_TIMEOUT = 10  # seconds


def _listening_ports(pid):
    """Ports on which process `pid` has a listening IPv4 or IPv6 TCP socket."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return set()
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as f:
            for row in f.readlines()[1:]:
                fields = row.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


class Ser2net:
    def __init__(self, work_dir, device, port=0):
        os.makedirs(work_dir, exist_ok=True)
        self.work_dir, self.device, self.port = work_dir, device, port
        self.process = None
        self._start()

    def _start(self):
        config = os.path.join(self.work_dir, "ser2net.yaml")
        with open(config, "w", encoding="ascii") as f:
            f.write("%YAML 1.1\n---\nconnection: &board\n"
                    f"  accepter: telnet(rfc2217),tcp,127.0.0.1,{self.port}\n"
                    f"  connector: serialdev,{self.device},115200n81,local\n"
                    "  options:\n    kickolduser: true\n")
        self.log = open(os.path.join(self.work_dir, "ser2net.log"), "a")
        # -n: in the foreground; -u: no UUCP lock files in /var/lock.
        self.process = subprocess.Popen([SER2NET, "-n", "-u", "-c", config, "-P",
                                         os.path.join(self.work_dir, "ser2net.pid")],
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ser2net exited {self.process.returncode}; see {self.log.name}")
            ports = _listening_ports(self.process.pid)
            if ports and (self.port == 0 or self.port in ports):
                self.port = self.port or min(ports)
                return
            time.sleep(0.02)
        self.close()
        raise RuntimeError(f"ser2net did not listen within {START_TIMEOUT} s; see {self.log.name}")

    def kill(self):
        """As a crash of the bench host's ser2net: its connections end at once."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=START_TIMEOUT)
        self.log.close()

    def restart(self):
        self.kill()
        self._start()

    def close(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=START_TIMEOUT)
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
