"""The oracle's matrix: the cells both Mbed TLS (one line, its default config)
and OpenSSL 3.0 can play, each a server restriction and a client restriction.

Suites are the intersection of what the line's ssl_client2 lists and what
`openssl ciphers` lists, joined on the IANA id; groups, signature schemes and
versions come from tables below, kept where the line's config has them.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
import subprocess

VERSIONS = ("tls1.0", "tls1.1", "tls1.2", "tls1.3")
# The macro that enables each version in an Mbed TLS config.
VERSION_MACROS = {
    "tls1.0": "MBEDTLS_SSL_PROTO_TLS1",
    "tls1.1": "MBEDTLS_SSL_PROTO_TLS1_1",
    "tls1.2": "MBEDTLS_SSL_PROTO_TLS1_2",
    "tls1.3": "MBEDTLS_SSL_PROTO_TLS1_3",
}
# What Mbed TLS's mbedtls_ssl_get_version() says for each.
VERSION_REPORTED = {"tls1.0": "TLSv1", "tls1.1": "TLSv1.1", "tls1.2": "TLSv1.2", "tls1.3": "TLSv1.3"}
OPENSSL_PROTOCOL = {"tls1.0": "TLSv1", "tls1.1": "TLSv1.1", "tls1.2": "TLSv1.2", "tls1.3": "TLSv1.3"}

# Named groups: OpenSSL's name, the IANA id, the name shakedown's reports
# give, the config macro that enables it in Mbed TLS (None: FFDHE, which only
# TLS 1.3 in 3.6 negotiates).
GROUPS = (
    ("secp192r1", 0x0013, "0x0013", "MBEDTLS_ECP_DP_SECP192R1_ENABLED"),
    ("secp224r1", 0x0015, "0x0015", "MBEDTLS_ECP_DP_SECP224R1_ENABLED"),
    ("secp256r1", 0x0017, "secp256r1", "MBEDTLS_ECP_DP_SECP256R1_ENABLED"),
    ("secp384r1", 0x0018, "secp384r1", "MBEDTLS_ECP_DP_SECP384R1_ENABLED"),
    ("secp521r1", 0x0019, "secp521r1", "MBEDTLS_ECP_DP_SECP521R1_ENABLED"),
    ("secp192k1", 0x0012, "0x0012", "MBEDTLS_ECP_DP_SECP192K1_ENABLED"),
    ("secp224k1", 0x0014, "0x0014", "MBEDTLS_ECP_DP_SECP224K1_ENABLED"),
    ("secp256k1", 0x0016, "0x0016", "MBEDTLS_ECP_DP_SECP256K1_ENABLED"),
    ("brainpoolP256r1", 0x001A, "brainpoolP256r1", "MBEDTLS_ECP_DP_BP256R1_ENABLED"),
    ("brainpoolP384r1", 0x001B, "brainpoolP384r1", "MBEDTLS_ECP_DP_BP384R1_ENABLED"),
    ("brainpoolP512r1", 0x001C, "brainpoolP512r1", "MBEDTLS_ECP_DP_BP512R1_ENABLED"),
    ("x25519", 0x001D, "x25519", "MBEDTLS_ECP_DP_CURVE25519_ENABLED"),
    ("x448", 0x001E, "x448", "MBEDTLS_ECP_DP_CURVE448_ENABLED"),
    ("ffdhe2048", 0x0100, "ffdhe2048", None),
    ("ffdhe3072", 0x0101, "ffdhe3072", None),
    ("ffdhe4096", 0x0102, "ffdhe4096", None),
    ("ffdhe6144", 0x0103, "ffdhe6144", None),
    ("ffdhe8192", 0x0104, "ffdhe8192", None),
)

# Signature schemes the server may sign with (OpenSSL's list form), by the
# certificate's key. Ed25519 and RSA-PSS-PSS keys: Mbed TLS has no TLS support.
SIGALGS = {
    "rsa": ("RSA+SHA1", "RSA+SHA224", "RSA+SHA256", "RSA+SHA384", "RSA+SHA512",
            "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512"),
    "ec": ("ECDSA+SHA1", "ECDSA+SHA224", "ECDSA+SHA256", "ECDSA+SHA384", "ECDSA+SHA512"),
    # TLS 1.3 ties the hash to the curve: a P-384 key signs only with ecdsa_secp384r1_sha384.
    "ec384": ("ECDSA+SHA256", "ECDSA+SHA384", "ECDSA+SHA512"),
}
# A TLS 1.2 suite that needs a ServerKeyExchange signed with the key, so a
# restricted signature scheme (or group) really is used.
SIGNED_SUITE = {"rsa": "ECDHE-RSA-AES128-GCM-SHA256", "ec": "ECDHE-ECDSA-AES128-GCM-SHA256",
                "ec384": "ECDHE-ECDSA-AES128-GCM-SHA256"}

# The pre-shared key both sides get in the PSK phase.
PSK_IDENTITY = "device-1"
PSK_KEY = "0123456789abcdef0123456789abcdef"


@dataclasses.dataclass(frozen=True)
class Suite:
    id: int
    mbedtls: str  # Mbed TLS's name, for ssl_client2's force_ciphersuite
    openssl: str  # OpenSSL's name, for s_server's -cipher and server.ciphersuites
    key: str | None  # the certificate it needs: "rsa", "ec" (P-256), None (PSK alone)
    psk: bool
    tls13: bool

    @property
    def hex(self) -> str:
        return f"{self.id:04x}"


@dataclasses.dataclass(frozen=True)
class Cell:
    name: str  # the scenario's file stem, unique within a line
    kind: str  # suite, suite13, offer, group, sigalg, version, psk
    key: str | None  # the server certificate's key (scenarios.PKI); None: no certificate (PSK)
    server_versions: tuple[str, str]  # lowest, highest
    client_versions: tuple[str, str] | None  # None: the build's own range
    server_ciphers: tuple[str, ...] = ()  # OpenSSL names (TLS 1.3's are TLS_*); empty: OpenSSL's defaults
    server_groups: str | None = None
    server_sigalgs: str | None = None
    client_suite: Suite | None = None
    psk: bool = False
    # The group a passing handshake must have used (the only one the server allows).
    expected_group: str | None = None


def _config_has(ssl_client2: pathlib.Path, macro: str) -> bool:
    """ssl_client2 query_config=NAME exits 0 when the build defines NAME."""
    run = subprocess.run([str(ssl_client2), f"query_config={macro}"], capture_output=True, timeout=30)
    return run.returncode == 0


def _mbedtls_suite_ids(source: pathlib.Path) -> dict[str, int]:
    """Mbed TLS name -> IANA id, from the tree's own header and table."""
    header = (source / "include/mbedtls/ssl_ciphersuites.h").read_text(errors="replace")
    ids = {m[1]: int(m[2], 16) for m in re.finditer(r"#define\s+(MBEDTLS_TLS1?_?3?_\w+)\s+0x([0-9A-Fa-f]+)", header)}
    table = (source / "library/ssl_ciphersuites.c").read_text(errors="replace")
    return {m[2]: ids[m[1]] for m in re.finditer(r"\{\s*(MBEDTLS_TLS\w+),\s*\"([^\"]+)\"", table) if m[1] in ids}


def _mbedtls_enabled_suites(ssl_client2: pathlib.Path) -> list[str]:
    """The names ssl_client2 lists as available (its usage text on 2.28, help_ciphersuites on 3.6)."""
    run = subprocess.run([str(ssl_client2), "help_ciphersuites"], capture_output=True, text=True, timeout=30)
    names = []
    for line in run.stdout.splitlines():
        if re.fullmatch(r"\s*(TLS[-A-Z0-9]+)(\s+TLS[-A-Z0-9]+)?\s*", line):
            names.extend(line.split())
    return names


def _openssl_suites() -> dict[int, tuple[str, str, str]]:
    """IANA id -> (OpenSSL name, Kx, Au) for every suite OpenSSL has, TLS 1.3 ones included."""
    tls13 = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:" \
            "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"
    run = subprocess.run(["openssl", "ciphers", "-V", "-ciphersuites", tls13, "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                         capture_output=True, text=True, timeout=30, check=True)
    out = {}
    for line in run.stdout.splitlines():
        m = re.match(r"\s*0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)\s+\S+\s+Kx=(\S+)\s+Au=(\S+)", line)
        if m:
            out[int(m[1] + m[2], 16)] = (m[3], m[4], m[5])
    return out


def _suite_key(kx: str, au: str) -> tuple[str | None, bool] | None:
    """(certificate key, is PSK) for a suite OpenSSL describes; None: Mbed TLS has no such kind."""
    if au == "any":
        return ("rsa", False)  # TLS 1.3: any certificate
    if kx in ("PSK", "DHEPSK", "ECDHEPSK"):
        return (None, True)
    if kx == "RSAPSK":
        return ("rsa", True)
    if au == "RSA" and kx in ("RSA", "DH", "ECDH"):
        return ("rsa", False)
    if au == "ECDSA" and kx == "ECDH":
        return ("ec", False)
    return None  # DSS, anonymous, SRP, GOST


def common_suites(source: pathlib.Path, ssl_client2: pathlib.Path | None) -> list[Suite]:
    """The suites both OpenSSL and the build have (None: every suite the tree's table names)."""
    ids = _mbedtls_suite_ids(source)
    openssl = _openssl_suites()
    suites = []
    for name in _mbedtls_enabled_suites(ssl_client2) if ssl_client2 else ids:
        sid = ids.get(name)
        if sid is None or sid not in openssl:
            continue
        ossl, kx, au = openssl[sid]
        kind = _suite_key(kx, au)
        if kind is None:
            continue
        suites.append(Suite(sid, name, ossl, kind[0], kind[1], name.startswith("TLS1-3-")))
    return sorted(suites, key=lambda s: s.id)


def line_versions(ssl_client2: pathlib.Path) -> list[str]:
    return [v for v in VERSIONS if _config_has(ssl_client2, VERSION_MACROS[v])]


def _ranges(versions: list[str]) -> list[tuple[str, str]]:
    return [(lo, hi) for i, lo in enumerate(versions) for hi in versions[i:]]


def build(source: pathlib.Path, ssl_client2: pathlib.Path) -> tuple[list[Cell], list[Cell]]:
    """(the certificate-based cells, the PSK cells) for one line."""
    versions = line_versions(ssl_client2)
    suites = common_suites(source, ssl_client2)
    tls12 = ("tls1.2", "tls1.2")
    tls13 = ("tls1.3", "tls1.3")
    cells, psk_cells = [], []

    suites13 = [s for s in suites if s.tls13]
    for i, s in enumerate(suites13):
        # Both sides held to the one suite: it must be negotiated. Then the server held to the next
        # one: the suites are disjoint, so both must refuse.
        cells.append(Cell(f"suite13-{s.hex}", "suite13", "rsa", tls13, tls13, (s.openssl,), client_suite=s))
        other = suites13[(i + 1) % len(suites13)]
        if other != s:
            cells.append(Cell(f"suite13-{s.hex}-server-{other.hex}", "suite13", "rsa", tls13, tls13,
                              (other.openssl,), client_suite=s))
    for s in suites:
        if s.tls13:
            continue
        elif s.psk:
            psk_cells.append(Cell(f"psk-{s.hex}", "psk", s.key, tls12, tls12, (s.openssl,), client_suite=s, psk=True))
        else:
            cells.append(Cell(f"suite-{s.hex}", "suite", s.key, tls12, tls12, (s.openssl,), client_suite=s))

    # The server held to each TLS 1.2 suite the tree knows, the client offering the build's own list:
    # what a device on this profile meets in the field (a profile's list may be a few suites).
    if "tls1.2" in versions:
        for s in common_suites(source, None):
            if not s.tls13 and not s.psk:
                cells.append(Cell(f"offer-{s.hex}", "offer", s.key, tls12, tls12, (s.openssl,)))

    group_versions = [v for v in ("tls1.2", "tls1.3") if v in versions]
    for ossl, gid, reported, macro in GROUPS:
        if macro is not None and not _config_has(ssl_client2, macro):
            continue
        for v in group_versions:
            if macro is None and v != "tls1.3":
                continue  # OpenSSL 3.0 picks TLS 1.2's DH parameters itself, not by group
            ciphers = (SIGNED_SUITE["rsa"],) if v == "tls1.2" else ()
            # The client capped at the server's version: 3.6 offering TLS 1.3 also offers RSA-PSS,
            # which OpenSSL then signs TLS 1.2's key exchange with and 3.6 refuses, whatever the
            # group (the version cells keep that case).
            cells.append(Cell(f"group-{v}-{ossl}", "group", "rsa", (v, v), (v, v), ciphers, server_groups=ossl,
                              expected_group=reported))

    for key, schemes in SIGALGS.items():
        for scheme in schemes:
            for v in group_versions:
                ciphers = (SIGNED_SUITE[key],) if v == "tls1.2" else ()
                stem = scheme.replace("+", "-").lower()
                cells.append(Cell(f"sigalg-{v}-{key}-{stem}", "sigalg", key, (v, v), None, ciphers,
                                  server_sigalgs=scheme))

    for client in _ranges(versions):
        for server in _ranges(list(VERSIONS)):
            cells.append(Cell(f"version-client-{client[0]}-{client[1]}-server-{server[0]}-{server[1]}", "version",
                              "rsa", server, client))
    return cells, psk_cells
