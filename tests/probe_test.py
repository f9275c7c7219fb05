#!/usr/bin/env python3
"""`shakedown probe` against servers started here on 127.0.0.1.

  probe_test.py SHAKEDOWN

Each case starts `openssl s_server` (many connections, killed after) set up
restrictively, or the field report's server (shakedown-server with
scenarios/field/01-suite-mismatch.yaml), probes it with `shakedown probe
--json`, and checks what a user reads from the probe: the versions, the
suites in the server's order and whether it keeps its own order, how it
refuses, what it asks for. Every probe must stay within its handshake bound;
the time each took is printed (figures, not a check).

Then the replica: for each server, the probe writes a scenario whose
scripted server behaves as the probe found (--replica); the device meets the
real server (`shakedown connect`) and the replica (`shakedown run`) for
every profile on both lines, and each cell must end alike: the result, the
code and the first finding. The field server's replica must reproduce the
field failure with field-2x and pass with field-fixed.

Exits 1 listing the cases that failed.
"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_servers import Started, free_port, make_pki  # noqa: E402

TIMEOUT = 120


def probe(shakedown, port, tmp, *options):
    out = os.path.join(tmp, "probe.json")
    p = subprocess.run([shakedown, "probe", f"127.0.0.1:{port}", "--json", out, *options], capture_output=True,
                       text=True, timeout=TIMEOUT, check=False)
    answer = {}
    if os.path.exists(out):
        with open(out, encoding="utf-8") as f:
            answer = json.load(f)
        os.remove(out)
    return p, answer


def accepted(answer):
    return {v["version"]: v for v in answer.get("versions", []) if v["accepted"]}


PROFILES = ["default-16k", "field-2x", "p256-only", "small-4k"]
LINES = ["2.28", "3.6"]


def differential(shakedown, port, ca, tmp, name):
    """The device against the real server (`connect`) and against the probe's replica (`run`): every
    (profile, line) cell must end alike: the result, the code and the first finding; and no failure may be
    unexplained."""
    replica = os.path.join(tmp, "replica.yaml")
    args = [shakedown, "probe", f"localhost:{port}", "--replica", replica]
    for profile in PROFILES:
        args += ["--profile", profile]
    p = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if p.returncode != 0:
        return [f"{name}: the probe for the replica: exit {p.returncode}: {p.stderr[:300]}"]
    results = os.path.join(tmp, "replica.json")
    p = subprocess.run([shakedown, "run", replica, "--target", "sim", "--json", results, "-j", "2"],
                       capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if p.returncode not in (0, 1):
        return [f"{name}: the replica did not run: exit {p.returncode}: {p.stderr[:400]}{p.stdout[-400:]}"]
    with open(results, encoding="utf-8") as f:
        cells = json.load(f)["results"]
    failures = []
    for cell in cells:
        profile, line = cell["profile"], cell["mbedtls_line"]
        c = subprocess.run([shakedown, "connect", f"localhost:{port}", "--ca", ca, "--mbedtls", line, "--profile",
                            profile, "--json"], capture_output=True, text=True, timeout=TIMEOUT, check=False)
        real = json.loads(c.stdout) if c.stdout.startswith("{") else {}
        real_first = (real.get("findings") or [{}])[0].get("id")
        # The replica's run has the server's side too; its primary finding is what a user reads first.
        got_real = (real.get("result"), real.get("error_code"), real_first if real.get("result") == "fail" else None)
        got_replica = (cell.get("result"), cell.get("error_code"),
                       cell.get("finding") if cell.get("result") == "fail" else None)
        same = got_real[:2] == got_replica[:2] and (got_real[2] == got_replica[2] or got_real[0] == "pass")
        print(f"  {'same' if same else 'DIFF'} {profile}@{line}: real {got_real}, replica {got_replica}")
        if not same:
            failures.append(f"{name}, {profile}@{line}: real {got_real}, replica {got_replica}")
        elif "unexplained" in (got_real[2], got_replica[2]):
            failures.append(f"{name}, {profile}@{line}: no rule explains it: {got_real}")
    return failures


def main():
    shakedown = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        rsa = make_pki(tmp, "rsa", ["-newkey", "rsa:2048"])
        s_server = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-www", "-cert", rsa[1], "-key", rsa[2]]
        accept = r"ACCEPT 127\.0\.0\.1:(\d+)"
        two_suites = ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"]
        cases = [
            ("TLS 1.2 only, two suites, the server's order", s_server + two_suites + ["-serverpref"], [],
             lambda a: list(accepted(a)) == ["TLSv1.2"]
             and accepted(a)["TLSv1.2"]["suites_in_server_order"] == ["c030", "c02f"]
             and accepted(a)["TLSv1.2"]["server_order"] is True
             and a["suite_refusal"]["alert"] == 40
             and next(v for v in a["versions"] if v["version"] == "TLSv1.3")["refusal"]["alert"] == 70),
            ("the same suites in the client's order", s_server + two_suites, [],
             lambda a: accepted(a)["TLSv1.2"]["server_order"] is False),
            ("TLS 1.3 only, two suites", s_server + ["-tls1_3", "-serverpref", "-ciphersuites",
                                                       "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"], [],
             lambda a: list(accepted(a)) == ["TLSv1.3"]
             and accepted(a)["TLSv1.3"]["suites_in_server_order"] == ["1302", "1303"]),
            ("a server that asks for a client certificate, P-384 only", s_server + ["-verify", "1", "-groups", "P-384"],
             [], lambda a: a["certificate_requested"] is True and a["groups"] == ["P-384"]),
            ("the bound: at most 5 handshakes, and what was learned is kept", s_server, ["--max-handshakes", "5"],
             lambda a: a["handshakes"] == 5 and a["stopped_early"] is True and a["reachable"] is True),
        ]
        for name, server_args, options, check in cases:
            server = Started(server_args, accept)
            try:
                p, answer = probe(shakedown, server.port, tmp, *options)
                if "--max-handshakes" not in options:
                    failures += differential(shakedown, server.port, rsa[0], tmp, name)
            finally:
                server.stop()
            try:
                ok = p.returncode == 0 and answer["handshakes"] <= 200 and check(answer)
            except (KeyError, TypeError, StopIteration, IndexError) as e:
                ok = False
                answer["unreadable"] = str(e)
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {answer.get('handshakes')} handshakes in "
                  f"{answer.get('seconds', 0):.2f} s")
            if not ok:
                failures.append(f"{name}: exit {p.returncode}: {json.dumps(answer)[:700]} {p.stderr[:200]}")

    # The field report's server resets a ClientHello it refuses: the probe says so.
    scenario = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scenarios", "field",
                            "01-suite-mismatch.yaml")
    server = Started([os.path.join(os.path.dirname(shakedown), "shakedown-server"), scenario],
                     r"listening on 127\.0\.0\.1:(\d+)")
    with tempfile.TemporaryDirectory() as tmp:
        replica = os.path.join(tmp, "field-replica.yaml")
        try:
            p, answer = probe(shakedown, server.port, tmp, "--servername", "cloud.shakedown.test", "--replica",
                              replica, "--profile", "field-2x", "--profile", "field-fixed")
        finally:
            server.stop()
        # Its replica reproduces the field failure offline, and the fixed profile connects.
        results = os.path.join(tmp, "field-replica.json")
        r = subprocess.run([shakedown, "run", replica, "--target", "sim", "--json", results, "-j", "2"],
                           capture_output=True, text=True, timeout=TIMEOUT, check=False)
        cells = {}
        if os.path.exists(results):
            with open(results, encoding="utf-8") as f:
                cells = {(c["profile"], c["mbedtls_line"]): (c.get("result"), c.get("error_code"), c.get("finding"))
                         for c in json.load(f)["results"]}
        wanted = {("field-2x", line): ("fail", "-0x0050", "no-shared-ciphersuite") for line in LINES}
        wanted.update({("field-fixed", line): ("pass", "0", None) for line in LINES})
        print(f"{'ok  ' if cells == wanted else 'FAIL'} the field server's replica, run offline: {cells}")
        if cells != wanted:
            failures.append(f"field replica: exit {r.returncode}: {cells}, wanted {wanted}; {r.stderr[:300]}")
    refusal = (answer.get("suite_refusal") or {}).get("how")
    print(f"{'ok  ' if refusal == 'a TCP reset' else 'FAIL'} the field report's server: suites refused with "
          f"{refusal}; {answer.get('handshakes')} handshakes in {answer.get('seconds', 0):.2f} s")
    if p.returncode != 0 or refusal != "a TCP reset":
        failures.append(f"field server: exit {p.returncode}: {json.dumps(answer)[:500]}")

    # Nothing there: exit 2, said as such.
    p = subprocess.run([shakedown, "probe", f"127.0.0.1:{free_port()}"], capture_output=True, text=True,
                       timeout=TIMEOUT, check=False)
    if p.returncode != 2 or "no TCP connection" not in p.stdout:
        failures.append(f"closed port: exit {p.returncode}: {p.stdout[:300]}")
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
