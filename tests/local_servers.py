"""What the server tests share: a PKI made with the openssl command, servers
started on 127.0.0.1 that print the port they got, and a port the kernel
hands out. Every wait is bounded and every server is reaped.
"""

import os
import re
import selectors
import socket
import subprocess
import time

TIMEOUT = 60


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, check=False, **kw)


def make_pki(folder, name, key_args):
    """A CA and a leaf for `localhost` signed by it; returns (ca, cert, key) paths."""
    ca_key, ca, key, csr, cert = (os.path.join(folder, f"{name}-{f}") for f in
                                  ("ca.key", "ca.pem", "leaf.key", "leaf.csr", "leaf.pem"))
    ext = os.path.join(folder, f"{name}-ext.cnf")
    with open(ext, "w", encoding="ascii") as f:
        f.write("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n")
    for cmd in (["openssl", "req", "-x509", "-new", *key_args, "-nodes", "-keyout", ca_key, "-out", ca, "-days", "30",
                 "-subj", f"/CN={name} test CA"],
                ["openssl", "req", "-new", *key_args, "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost"],
                ["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
                 "-days", "30", "-extfile", ext]):
        p = run(cmd)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {p.stderr.strip()}")
    return ca, cert, key


def free_port():
    """A port the kernel hands out for 127.0.0.1, free once this returns: nothing listens there (for a
    connection that must be refused), or a server that cannot bind port 0 itself takes it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Started:
    """A server process that prints the port it listens on; `wait_for` reads what else it prints."""

    def __init__(self, args, port_pattern, seconds=10):
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines, self._pending = [], b""
        try:
            self.port = int(self.wait_for(port_pattern, seconds))
        except RuntimeError:
            self.stop()
            raise

    def wait_for(self, pattern, seconds=10):
        """The first group of `pattern` in the next line that matches, within `seconds`."""
        deadline = time.monotonic() + seconds
        with selectors.DefaultSelector() as sel:
            sel.register(self.p.stdout, selectors.EVENT_READ)
            while True:
                while b"\n" in self._pending:
                    line, self._pending = self._pending.split(b"\n", 1)
                    self.lines.append(line.decode(errors="replace"))
                    m = re.search(pattern, self.lines[-1])
                    if m:
                        return m.group(1)
                left = deadline - time.monotonic()
                chunk = os.read(self.p.stdout.fileno(), 4096) if left > 0 and sel.select(left) else None
                if not chunk:
                    raise RuntimeError(f"{self.p.args[0]}: no line matching {pattern!r} within {seconds} s: "
                                       f"{' | '.join(self.lines)[-400:]}")
                self._pending += chunk

    def stop(self):
        self.p.kill()
        self.p.wait(timeout=10)
        self.p.stdout.close()
