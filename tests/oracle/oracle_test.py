#!/usr/bin/env python3
"""The oracle's own judgement, on made-up outcomes: every kind of disagreement
is caught, agreement is not flagged, and a sample covers every kind of cell."""

from __future__ import annotations

import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import matrix  # noqa: E402
import oracle  # noqa: E402
import scenarios  # noqa: E402
import reference  # noqa: E402
from reference import Outcome  # noqa: E402

SUITE = matrix.Suite(0xC02F, "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "rsa",
                     False, False)
CELL = matrix.Cell("suite-c02f", "suite", "rsa", ("tls1.2", "tls1.2"), ("tls1.2", "tls1.2"),
                   (SUITE.openssl,), client_suite=SUITE)
GROUP_CELL = matrix.Cell("group-tls1.3-x25519", "group", "rsa", ("tls1.3", "tls1.3"), None,
                         server_groups="x25519", expected_group="x25519")
SIGALG_CELL = matrix.Cell("sigalg-tls1.2-rsa-rsa_pss_rsae_sha256", "sigalg", "rsa", ("tls1.2", "tls1.2"), None,
                          (SUITE.openssl,), server_sigalgs="rsa_pss_rsae_sha256")
PASS = Outcome(True, "TLSv1.2", SUITE.mbedtls)


def shakedown_said(name: str, outcome: Outcome) -> scenarios.Run:
    return scenarios.Run({name: outcome}, {}, 0.0)


class CompareTest(unittest.TestCase):
    def test_agreement_is_not_flagged(self):
        self.assertIsNone(oracle.compare(CELL, PASS, shakedown_said(CELL.name, PASS)))
        fail = Outcome(False, error="-0x7780")
        self.assertIsNone(oracle.compare(CELL, fail, shakedown_said(CELL.name, fail)))

    def test_pass_against_fail_is_flagged_both_ways(self):
        fail = Outcome(False, error="-0x7780", detail="finding no-shared-ciphersuite")
        self.assertIn("shakedown: fail -0x7780", oracle.compare(CELL, PASS, shakedown_said(CELL.name, fail)))
        self.assertIn("ssl_client2: fail", oracle.compare(CELL, fail, shakedown_said(CELL.name, PASS)))

    def test_other_negotiated_version_or_suite_is_flagged(self):
        other_version = Outcome(True, "TLSv1.1", SUITE.mbedtls)
        self.assertIn("version", oracle.compare(CELL, PASS, shakedown_said(CELL.name, other_version)))
        other_suite = Outcome(True, "TLSv1.2", "TLS-RSA-WITH-AES-128-GCM-SHA256")
        self.assertIn("suite", oracle.compare(CELL, PASS, shakedown_said(CELL.name, other_suite)))

    def test_other_group_is_flagged(self):
        ref = Outcome(True, "TLSv1.3", "TLS1-3-AES-128-GCM-SHA256", "x25519")
        self.assertIsNone(oracle.compare(GROUP_CELL, ref, shakedown_said(GROUP_CELL.name, ref)))
        other = Outcome(True, "TLSv1.3", "TLS1-3-AES-128-GCM-SHA256", "secp256r1")
        self.assertIn("group", oracle.compare(GROUP_CELL, ref, shakedown_said(GROUP_CELL.name, other)))

    def test_other_signature_scheme_is_flagged(self):
        pss = Outcome(True, "TLSv1.2", SUITE.mbedtls, signature="rsa_pss_rsae_sha256")
        pkcs1 = Outcome(True, "TLSv1.2", SUITE.mbedtls, signature="rsa_pkcs1_sha256")
        for cell in (SIGALG_CELL, CELL):  # on a signature cell, and on any cell where both sides know it
            self.assertIsNone(oracle.compare(cell, pss, shakedown_said(cell.name, pss)))
            self.assertIn("signature", oracle.compare(cell, pss, shakedown_said(cell.name, pkcs1)))
        # Signing nothing (static RSA, PSK) is known too: a scheme on one side only is flagged.
        for cell in (SIGALG_CELL, CELL):
            self.assertIn("shakedown's server signed nothing", oracle.compare(cell, pss, shakedown_said(cell.name, PASS)))
            self.assertIn("s_server signed nothing", oracle.compare(cell, PASS, shakedown_said(cell.name, pkcs1)))

    def test_a_cell_shakedown_refused_lost_or_could_not_run_is_flagged(self):
        refused = scenarios.Run({}, {CELL.name: "unknown key 'psk' in client"}, 0.0)
        self.assertIn("refuses", oracle.compare(CELL, PASS, refused))
        self.assertIn("no such cell", oracle.compare(CELL, PASS, scenarios.Run({}, {}, 0.0)))
        infra = scenarios.Run({}, {}, 0.0, {CELL.name: "device silent"})
        self.assertIn("infrastructure", oracle.compare(CELL, PASS, infra))

    def test_differing_return_codes_are_a_note_not_a_disagreement(self):
        ref, sd = Outcome(False, error="-0x7780"), Outcome(False, error="-0x6e80")
        run = shakedown_said(CELL.name, sd)
        self.assertIsNone(oracle.compare(CELL, ref, run))
        self.assertIn("-0x6e80", oracle.note(CELL, ref, run))


class ScenarioTextTest(unittest.TestCase):
    def test_each_restriction_reaches_the_scenario(self):
        text = scenarios.scenario_text(CELL, "3.6", expect_pass=False)
        for needle in ('versions: ["tls1.2"]', 'ciphersuites: ["ECDHE-RSA-AES128-GCM-SHA256"]', "ciphersuites: [c02f]",
                       'mbedtls: ["3.6"]', "default-16k: {result: fail}", "key: rsa-2048"):
            self.assertIn(needle, text)
        self.assertNotIn("psk", text)
        psk = matrix.Cell("psk-00a8", "psk", None, ("tls1.2", "tls1.2"), ("tls1.2", "tls1.2"), ("PSK-AES128-GCM-SHA256",),
                          psk=True)
        self.assertEqual(scenarios.scenario_text(psk, "2.28", True).count(f'identity: "{matrix.PSK_IDENTITY}"'), 2)


def _msg(version: str, name: str, data: bytes) -> str:
    """A handshake message as `openssl s_server -msg` prints what it sends."""
    hexed = data.hex(" ")
    lines = [hexed[i:i + 48] for i in range(0, len(hexed), 48)]
    return f">>> {version}, Handshake [length {len(data):04x}], {name}\n" + "".join(f"    {ln}\n" for ln in lines)


class ServerSignatureTest(unittest.TestCase):
    """The scheme s_server signed with, read from its -msg dump of the message that carries it."""

    def test_tls12_ecdhe_and_dhe_key_exchanges(self):
        ecdhe = bytes([0x0C, 0, 0, 0, 3, 0x00, 0x1D, 4, 1, 2, 3, 4, 0x08, 0x05, 0, 2, 9, 9])
        out = _msg("TLS 1.2", "ServerHello", b"\x02\x00\x00\x00") + _msg("TLS 1.2", "ServerKeyExchange", ecdhe)
        self.assertEqual(reference.server_signature(out, "ECDHE-RSA-AES128-GCM-SHA256"), "rsa_pss_rsae_sha384")
        self.assertEqual(reference.server_signature(out, "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256"), "rsa_pss_rsae_sha384")
        dhe = bytes([0x0C, 0, 0, 0, 0, 2, 0xFF, 0xFB, 0, 1, 2, 0, 3, 1, 2, 3, 0x04, 0x01, 0, 1, 7])
        self.assertEqual(reference.server_signature(_msg("TLS 1.2", "ServerKeyExchange", dhe),
                                                    "DHE-RSA-AES128-GCM-SHA256"), "rsa_pkcs1_sha256")

    def test_tls13_certificate_verify(self):
        out = _msg("TLS 1.3", "CertificateVerify", bytes([0x0F, 0, 0, 4, 0x04, 0x03, 0, 0]))
        self.assertEqual(reference.server_signature(out, "TLS_AES_128_GCM_SHA256"), "ecdsa_secp256r1_sha256")

    def test_no_scheme_where_the_server_named_none(self):
        ske = bytes([0x0C, 0, 0, 0, 3, 0x00, 0x17, 1, 4, 0x04, 0x01])
        self.assertIsNone(reference.server_signature(_msg("TLS 1.0", "ServerKeyExchange", ske), "ECDHE-RSA-AES128-SHA"))
        self.assertIsNone(reference.server_signature(_msg("TLS 1.2", "ServerKeyExchange", ske), "ECDHE-PSK-AES128-CBC-SHA"))
        self.assertIsNone(reference.server_signature(_msg("TLS 1.2", "ServerKeyExchange", ske),
                                                     "TLS-ECDHE-PSK-WITH-AES-128-CBC-SHA256"))
        self.assertIsNone(reference.server_signature(_msg("TLS 1.2", "ServerHelloDone", b"\x0e\x00\x00\x00"), "AES128-SHA"))
        truncated = bytes([0x0C, 0, 0, 0, 3, 0x00, 0x17, 65, 4])
        self.assertIsNone(reference.server_signature(_msg("TLS 1.2", "ServerKeyExchange", truncated),
                                                     "ECDHE-RSA-AES128-GCM-SHA256"))


class ServerArgsTest(unittest.TestCase):
    def test_tls13_suites_restrict_s_server_apart(self):
        suite = matrix.Suite(0x1304, "TLS1-3-AES-128-CCM-SHA256", "TLS_AES_128_CCM_SHA256", "rsa", False, True)
        cell = matrix.Cell("suite13-1304", "suite13", "rsa", ("tls1.3", "tls1.3"), ("tls1.3", "tls1.3"),
                           (suite.openssl,), client_suite=suite)
        files = reference.ServerFiles({"rsa": pathlib.Path("r")}, {"rsa": pathlib.Path("l")}, {"rsa": pathlib.Path("k")})
        args = reference.s_server_args(cell, files)
        self.assertEqual(args[args.index("-ciphersuites") + 1], "TLS_AES_128_CCM_SHA256")
        self.assertEqual(args[args.index("-cipher") + 1], "DEFAULT:@SECLEVEL=0")
        self.assertNotIn("-ciphersuites", reference.s_server_args(CELL, files))
        self.assertIn('ciphersuites: ["TLS_AES_128_CCM_SHA256"]', scenarios.scenario_text(cell, "3.6", True))


class SampleTest(unittest.TestCase):
    def test_a_sample_spans_every_kind(self):
        cells = [matrix.Cell(f"{kind}-{i}", kind, "rsa", ("tls1.2", "tls1.2"), None)
                 for kind in ("suite", "group", "sigalg", "version") for i in range(20)]
        picked = oracle.sample(cells, 8)
        self.assertEqual(len(picked), 8)
        self.assertEqual({c.kind for c in picked}, {"suite", "group", "sigalg", "version"})


if __name__ == "__main__":
    unittest.main()
