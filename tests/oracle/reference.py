"""The reference column: Mbed TLS's own ssl_client2 against `openssl s_server`
restricted to one cell, both on 127.0.0.1, the server on a port the kernel
picks. Every process is waited for with a bound and reaped.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import selectors
import subprocess
import time

from matrix import GROUPS, OPENSSL_PROTOCOL, PSK_IDENTITY, PSK_KEY, Cell

HOSTNAME = "oracle.shakedown.test"
# ssl_client2's version names, per line (2.28 has TLS 1.0 and 1.1; 3.6 has TLS 1.3).
# s_server's group names -> the names shakedown's reports give.
GROUP_REPORTED = {ossl: reported for ossl, _, reported, _ in GROUPS}
CLIENT2_VERSION = {"tls1.0": "tls1", "tls1.1": "tls1_1", "tls1.2": "tls12", "tls1.3": "tls13"}


@dataclasses.dataclass
class Outcome:
    passed: bool
    version: str | None = None
    suite: str | None = None
    group: str | None = None  # the group the handshake used, where known
    signature: str | None = None  # the signature scheme s_server could sign with, where only one
    error: str | None = None  # the client's return code, e.g. -0x7780
    detail: str = ""  # a line for the report when it did not pass


@dataclasses.dataclass(frozen=True)
class ServerFiles:
    """The trust anchor, and per key type the leaf's certificate and key."""
    root: dict[str, pathlib.Path]
    leaf: dict[str, pathlib.Path]
    key: dict[str, pathlib.Path]


def pki_from_shakedown(shakedown_server: pathlib.Path, scenario_by_key: dict[str, pathlib.Path],
                       pki_cache: pathlib.Path, dest: pathlib.Path) -> ServerFiles:
    """The very chains the scenarios get: shakedown-server names the cached chain's
    trust anchor; its leaf and key sit beside it. Copied, so the cache may tidy."""
    root, leaf, key = {}, {}, {}
    for kind, scenario in scenario_by_key.items():
        proc = subprocess.Popen([str(shakedown_server), str(scenario), "--pki-cache", str(pki_cache)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            anchor = _read_until(proc, r"trust anchor \(give it to the client\): (\S+)", 60)
        finally:
            _stop(proc)
        if anchor is None:
            raise RuntimeError(f"shakedown-server {scenario}: named no trust anchor")
        gen = pathlib.Path(anchor).parent
        for name, table, src in (("root", root, "cert-0.pem"), ("leaf", leaf, "cert-1.pem"), ("key", key, "key-1.pem")):
            target = dest / f"{kind}-{name}.pem"
            target.write_bytes((gen / src).read_bytes())
            table[kind] = target
    return ServerFiles(root, leaf, key)


def _read_until(proc: subprocess.Popen, pattern: str, timeout: float) -> str | None:
    """The first group of the first output line matching `pattern`, within `timeout` seconds.
    Reads the pipe's descriptor itself, so no line waits in a buffer select cannot see."""
    fd = proc.stdout.fileno()
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    pending = b""
    try:
        while (left := deadline - time.monotonic()) > 0:
            if not sel.select(left):
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if m := re.search(pattern, line.decode(errors="replace")):
                    return m[1]
        return None
    finally:
        sel.close()


def _stop(proc: subprocess.Popen) -> str:
    """Ends a child we started and reaps it; returns what it still had to say."""
    if proc.poll() is None:
        proc.terminate()
    try:
        out, _ = proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate(timeout=5)
    return out or ""


def s_server_args(cell: Cell, files: ServerFiles) -> list[str]:
    lo, hi = cell.server_versions
    args = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-www",
            "-min_protocol", OPENSSL_PROTOCOL[lo], "-max_protocol", OPENSSL_PROTOCOL[hi],
            "-cipher", (":".join(cell.server_ciphers) + ":" if cell.server_ciphers else "DEFAULT:") + "@SECLEVEL=0",
            "-no-CAfile", "-no-CApath", "-no-CAstore"]
    if cell.key is None:
        args.append("-nocert")
    else:
        args += ["-cert", str(files.leaf[cell.key]), "-key", str(files.key[cell.key])]
    if cell.server_groups:
        args += ["-groups", cell.server_groups]
    if cell.server_sigalgs:
        args += ["-sigalgs", cell.server_sigalgs]
    if cell.psk:
        args += ["-psk", PSK_KEY, "-psk_identity", PSK_IDENTITY]
    return args


def ssl_client2_args(ssl_client2: pathlib.Path, cell: Cell, port: int, files: ServerFiles) -> list[str]:
    args = [str(ssl_client2), "server_addr=127.0.0.1", f"server_port={port}", f"server_name={HOSTNAME}",
            f"ca_file={files.root[cell.key or 'rsa']}", "auth_mode=required", "read_timeout=10000", "debug_level=0"]
    if cell.client_versions:
        args += [f"min_version={CLIENT2_VERSION[cell.client_versions[0]]}",
                 f"max_version={CLIENT2_VERSION[cell.client_versions[1]]}"]
    if cell.client_suite:
        args.append(f"force_ciphersuite={cell.client_suite.mbedtls}")
    if cell.psk:
        args += [f"psk={PSK_KEY}", f"psk_identity={PSK_IDENTITY}"]
    return args


def run_cell(ssl_client2: pathlib.Path, cell: Cell, files: ServerFiles) -> Outcome:
    server = subprocess.Popen(s_server_args(cell, files), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        port = _read_until(server, r"^ACCEPT 127\.0\.0\.1:(\d+)", 20)
        if port is None:
            return Outcome(False, detail="harness: s_server did not start: " + _stop(server)[-300:])
        try:
            client = subprocess.run(ssl_client2_args(ssl_client2, cell, int(port), files), capture_output=True,
                                    text=True, errors="replace", timeout=60)
        except subprocess.TimeoutExpired:
            return Outcome(False, detail="harness: ssl_client2 did not finish within 60 s")
    finally:
        server_out = _stop(server)
    return _outcome(client.stdout, cell, server_out)


def _server_report(out: str) -> dict[str, str]:
    """What s_server's -www page (which ssl_client2 prints) says of the connection."""
    found = {}
    for key, pattern in (("shared_groups", r"^Shared groups: (.*)$"),
                         ("shared_sigalgs", r"^Shared Signature Algorithms: (.*)$"),
                         ("protocol", r"^\s*Protocol\s*: (\S+)"), ("cipher", r"^\s*Cipher\s*: (\S+)")):
        if m := re.search(pattern, out, re.MULTILINE):
            found[key] = m[1].strip()
    return found


def _only(listing: str | None) -> str | None:
    items = [i for i in (listing or "").split(":") if i]
    return items[0] if len(items) == 1 else None


def _outcome(out: str, cell: Cell, server_out: str) -> Outcome:
    version = re.search(r"\[ Protocol is (\S+) \]", out)
    suite = re.search(r"\[ Ciphersuite is (\S+) \]", out)
    if version and suite:
        said = _server_report(out)
        group = _only(said.get("shared_groups"))
        group = GROUP_REPORTED.get(group, group) if group else cell.expected_group
        return Outcome(True, version[1], suite[1], group, signature=_only(said.get("shared_sigalgs")),
                       detail="; ".join(f"s_server {k}: {v}" for k, v in said.items()))
    error = re.search(r"returned (-0x[0-9a-fA-F]+)", out)
    said = [line.strip() for line in out.splitlines() if "!" in line or "failed" in line]
    server_said = [line.strip() for line in server_out.splitlines() if "error" in line.lower()]
    return Outcome(False, error=error[1].lower() if error else None,
                   detail="; ".join(said[-2:] + server_said[-1:])[:300])
