#!/usr/bin/env python3
"""`shakedown connect` against real server software started here.

  connect_test.py SHAKEDOWN

Each case starts `openssl s_server` (OpenSSL's own server, not shakedown's
scripted one) on 127.0.0.1 with an ephemeral port, set up restrictively (or
not), points `shakedown connect --json` at it from the simulator and from the
firmware under QEMU (when qemu-system-arm is installed), and checks the
outcome and the first finding a user would read, and that both targets
agree. The PKI is made here with
the openssl command. Every server is reaped, every wait bounded.

Exits 1 listing the cases that failed.
"""

import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_servers import Started, free_port, make_pki, run  # noqa: E402

ACCEPT = r"ACCEPT 127\.0\.0\.1:(\d+)"  # what openssl s_server prints once it listens


def field_server_case(shakedown):
    """The field report's server (shakedown-server, scenarios/field/01-suite-mismatch.yaml) met by `connect`
    gives the finding the scenario's own cell expects."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    scenario = os.path.join(repo, "scenarios", "field", "01-suite-mismatch.yaml")
    server = Started([os.path.join(os.path.dirname(shakedown), "shakedown-server"), scenario],
                     r"listening on 127\.0\.0\.1:(\d+)")
    try:
        ca = server.wait_for(r"trust anchor.*: (\S+)")
        hostname = server.wait_for(r"hostname: (\S+)")
        p = run([shakedown, "connect", f"127.0.0.1:{server.port}", "--ca", ca, "--servername", hostname, "--mbedtls",
                 "2.28", "--profile", "field-2x", "--json"])
    finally:
        server.stop()
    answer = json.loads(p.stdout) if p.stdout.startswith("{") else {}
    first = (answer.get("findings") or [{}])[0].get("id")
    print(f"{'ok  ' if first == 'no-shared-ciphersuite' else 'FAIL'} the field report's server: exit {p.returncode}, "
          f"{answer.get('error_code')}, first finding {first}")
    if p.returncode != 1 or answer.get("error_code") != "-0x0050" or first != "no-shared-ciphersuite":
        return [f"field server: exit {p.returncode}: {p.stdout[:400]} {p.stderr[:200]}"]
    return []


def main():
    shakedown = sys.argv[1]
    targets = ["sim"]
    if shutil.which("qemu-system-arm"):
        targets.append("qemu")
    else:
        print("SKIPPED: qemu-system-arm is not installed: the simulator's cases only")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        ec = make_pki(tmp, "ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
        rsa = make_pki(tmp, "rsa", ["-newkey", "rsa:2048"])
        # name, server PKI, s_server options, connect options, expected exit, check of the JSON
        cases = [
            ("ECDSA server, device trusts its CA: passes, and the first exchange gets the page",
             ec, [], ["--ca", ec[0], "--request", "GET / HTTP/1.0\r\n\r\n"], 0,
             lambda a: a["result"] == "pass" and a["version"] == "TLSv1.3" and (a["exchange_reply_bytes"] or 0) > 0),
            ("the field device (2.28, field-2x: two ECDHE-ECDSA suites) against a server of ECDHE-RSA-AES256-GCM-SHA384 "
             "only: the suites, first among candidates, and the openssl hint names this server",
             rsa, ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"],
             ["--ca", rsa[0], "--mbedtls", "2.28", "--profile", "field-2x"], 1,
             lambda a: a["findings"][0]["id"] == "no-shared-ciphersuite" and a["candidates"]
             and "-connect localhost:{port}" in a["tell_apart"]),
            ("no --ca: the device trusts nothing and verifies nothing, and passes", ec, [], [], 0,
             lambda a: a["result"] == "pass"),
            ("a CA the device does not trust", rsa, [], ["--ca", ec[0]], 1,
             lambda a: a["findings"][0]["id"] == "untrusted-ca"),
            ("a name the certificate does not carry", ec, [], ["--ca", ec[0], "--servername", "wrong.example"], 1,
             lambda a: a["findings"][0]["id"] == "hostname-mismatch"),
            ("a device whose clock was never set", ec, [], ["--ca", ec[0], "--time", "unset"], 1,
             lambda a: a["findings"][0]["id"] == "cert-not-yet-valid-clock-unset"),
            ("TLS 1.3 only against a 2.28 device (no TLS 1.3)", ec, ["-tls1_3"],
             ["--ca", ec[0], "--mbedtls", "2.28"], 1,
             lambda a: a["findings"][0]["id"] == "protocol-version-mismatch"),
        ]
        outcomes = {}  # (case, target) -> (result, error code, first finding)
        for target in targets:
            for name, pki, server_options, options, want_exit, check in cases:
                server = Started(["openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-www", "-cert",
                                  pki[1], "-key", pki[2], *server_options], ACCEPT)
                try:
                    p = run([shakedown, "connect", f"localhost:{server.port}", "--json", "--target", target, *options])
                finally:
                    server.stop()
                try:
                    answer = json.loads(p.stdout)
                    answer["tell_apart"] = (answer.get("tell_apart") or "").replace(str(server.port), "{port}")
                    ok = p.returncode == want_exit and check(answer)
                except (ValueError, KeyError, IndexError, TypeError) as e:
                    answer, ok = {"unreadable": str(e), "stdout": p.stdout[:400], "stderr": p.stderr[:400]}, False
                first = (answer.get("findings") or [{}])[0].get("id")
                outcomes[(name, target)] = (answer.get("result"), answer.get("error_code"), first)
                print(f"{'ok  ' if ok else 'FAIL'} [{target}] {name}: exit {p.returncode}, "
                      f"{answer.get('result')}, findings {[f['id'] for f in answer.get('findings', [])][:3]}")
                if not ok:
                    failures.append(f"[{target}] {name}: exit {p.returncode} (wanted {want_exit}): "
                                    f"{json.dumps(answer)[:600]}")
        # The firmware under QEMU meets each server as the simulator does.
        for name, *_ in cases:
            seen = {t: outcomes[(name, t)] for t in targets}
            if len(set(seen.values())) > 1:
                failures.append(f"{name}: the targets disagree: {seen}")

    failures += field_server_case(shakedown)

    # Nothing listening: no TLS byte exchanged, said as such; no port.
    p = run([shakedown, "connect", f"127.0.0.1:{free_port()}"])
    if p.returncode != 1 or "could not open a TCP connection" not in p.stdout:
        failures.append(f"closed port: exit {p.returncode}: {p.stdout[:300]}")
    # (No unresolvable name: looking one up would ask a DNS server beyond this machine.)
    p = run([shakedown, "connect", "localhost"])
    if p.returncode != 3 or "expected HOST:PORT" not in p.stderr:
        failures.append(f"no port: exit {p.returncode}: {p.stderr[:300]}")
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
