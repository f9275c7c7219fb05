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
import threading
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
    signature: str | None = None  # the signature scheme the server signed with (IANA's name), where it signed
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
    # OpenSSL keeps TLS 1.3's suites (named TLS_*) apart from the older ones.
    tls13 = [c for c in cell.server_ciphers if c.startswith("TLS_")]
    older = [c for c in cell.server_ciphers if not c.startswith("TLS_")]
    # -msg: every handshake message in hex, so the scheme the server signed with is its own word.
    args = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-www", "-msg",
            "-min_protocol", OPENSSL_PROTOCOL[lo], "-max_protocol", OPENSSL_PROTOCOL[hi],
            "-cipher", (":".join(older) + ":" if older else "DEFAULT:") + "@SECLEVEL=0",
            "-no-CAfile", "-no-CApath", "-no-CAstore"]
    if tls13:
        args += ["-ciphersuites", ":".join(tls13)]
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
    port = _read_until(server, r"^ACCEPT 127\.0\.0\.1:(\d+)", 20)
    if port is None:
        return Outcome(False, detail="harness: s_server did not start: " + _stop(server)[-300:])
    # -msg writes kilobytes per handshake: a thread drains the pipe so s_server never blocks on it.
    drained: list[bytes] = []
    drainer = threading.Thread(target=_drain, args=(server.stdout.fileno(), drained), daemon=True)
    drainer.start()
    try:
        client = subprocess.run(ssl_client2_args(ssl_client2, cell, int(port), files), capture_output=True,
                                text=True, errors="replace", timeout=60)
    except subprocess.TimeoutExpired:
        return Outcome(False, detail="harness: ssl_client2 did not finish within 60 s")
    finally:
        _end(server, drainer)
    return _outcome(client.stdout, cell, b"".join(drained).decode(errors="replace"))


def _drain(fd: int, into: list[bytes]) -> None:
    while chunk := os.read(fd, 65536):
        into.append(chunk)


def _end(proc: subprocess.Popen, drainer: threading.Thread) -> None:
    """Ends s_server (it exits by itself after its one connection) and reaps it; the drainer
    sees the pipe's end and finishes, and only then is the pipe closed."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    drainer.join(timeout=5)
    proc.stdout.close()


# The signature schemes by IANA id, with IANA's names (RFC 8446's, and TLS 1.2's SHA-224 pairs).
SIGNATURE_SCHEMES = {
    0x0201: "rsa_pkcs1_sha1", 0x0203: "ecdsa_sha1", 0x0301: "rsa_sha224", 0x0303: "ecdsa_sha224",
    0x0401: "rsa_pkcs1_sha256", 0x0403: "ecdsa_secp256r1_sha256", 0x0501: "rsa_pkcs1_sha384",
    0x0503: "ecdsa_secp384r1_sha384", 0x0601: "rsa_pkcs1_sha512", 0x0603: "ecdsa_secp521r1_sha512",
    0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384", 0x0806: "rsa_pss_rsae_sha512",
    0x0807: "ed25519", 0x0808: "ed448", 0x0809: "rsa_pss_pss_sha256", 0x080A: "rsa_pss_pss_sha384",
    0x080B: "rsa_pss_pss_sha512",
}


def _messages(server_out: str) -> list[tuple[str, str, bytes]]:
    """(version, message name, bytes with the 4-byte header) of each handshake message s_server -msg sent."""
    found = []
    for m in re.finditer(r"^>>> (TLS [\d.]+), Handshake \[length [0-9a-f]+\], (\w+)\n((?:    [0-9a-f ]+\n)*)",
                         server_out, re.MULTILINE):
        found.append((m[1], m[2], bytes.fromhex(m[3].replace("\n", " "))))
    return found


def _skip_vectors(body: bytes, count: int, width: int) -> int | None:
    """The offset past `count` length-prefixed vectors (`width`-byte lengths) at the start of body."""
    at = 0
    for _ in range(count):
        if at + width > len(body):
            return None
        at += width + int.from_bytes(body[at:at + width], "big")
    return at


def server_signature(server_out: str, cipher: str | None) -> str | None:
    """The scheme s_server signed with: TLS 1.3's CertificateVerify, or TLS 1.2's ServerKeyExchange
    (read past the (EC)DHE parameters of `cipher`, OpenSSL's or Mbed TLS's name). None: it did not sign."""
    cipher = cipher.removeprefix("TLS-") if cipher else None
    for version, name, data in _messages(server_out):
        body, at = data[4:], None
        if name == "CertificateVerify" and version == "TLS 1.3":
            at = 0
        elif name == "ServerKeyExchange" and version == "TLS 1.2" and cipher and "PSK" not in cipher:
            if cipher.startswith("ECDHE-"):
                at = _skip_vectors(body[3:], 1, 1)  # curve type and named curve, then the point
                at = None if at is None else at + 3
            elif cipher.startswith("DHE-") or cipher.startswith("EDH-"):
                at = _skip_vectors(body, 3, 2)  # p, g, Ys
        if at is not None and at + 2 <= len(body):
            sid = int.from_bytes(body[at:at + 2], "big")
            return SIGNATURE_SCHEMES.get(sid, f"0x{sid:04x}")
    return None


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
        # The suite as ssl_client2 names it: s_server's page may not reach it (a small input buffer).
        return Outcome(True, version[1], suite[1], group, signature=server_signature(server_out, suite[1]),
                       detail="; ".join(f"s_server {k}: {v}" for k, v in said.items()))
    error = re.search(r"returned (-0x[0-9a-fA-F]+)", out)
    said = [line.strip() for line in out.splitlines() if "!" in line or "failed" in line]
    server_said = [line.strip() for line in server_out.splitlines() if "error" in line.lower()]
    return Outcome(False, error=error[1].lower() if error else None,
                   detail="; ".join(said[-2:] + server_said[-1:])[:300])
