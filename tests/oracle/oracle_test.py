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
from reference import Outcome  # noqa: E402

SUITE = matrix.Suite(0xC02F, "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "rsa",
                     False, False)
CELL = matrix.Cell("suite-c02f", "suite", "rsa", ("tls1.2", "tls1.2"), ("tls1.2", "tls1.2"),
                   (SUITE.openssl,), client_suite=SUITE)
GROUP_CELL = matrix.Cell("group-tls1.3-x25519", "group", "rsa", ("tls1.3", "tls1.3"), None,
                         server_groups="x25519", expected_group="x25519")
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


class SampleTest(unittest.TestCase):
    def test_a_sample_spans_every_kind(self):
        cells = [matrix.Cell(f"{kind}-{i}", kind, "rsa", ("tls1.2", "tls1.2"), None)
                 for kind in ("suite", "group", "sigalg", "version") for i in range(20)]
        picked = oracle.sample(cells, 8)
        self.assertEqual(len(picked), 8)
        self.assertEqual({c.kind for c in picked}, {"suite", "group", "sigalg", "version"})


if __name__ == "__main__":
    unittest.main()
