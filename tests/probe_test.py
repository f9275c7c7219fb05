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

Then the replica, which the probe writes as a scenario whose scripted
server behaves as the probe found (--replica): `differential` meets the real
server and its replica with every profile on both lines (server_software_test.py
runs it for each real server set up); here, for a device whose CA file does not
anchor the server's chain. The field server's replica must reproduce the field
failure with field-2x and pass with field-fixed, and a server refusing TLS 1.2
with another alert than OpenSSL's is replayed with that alert.

Exits 1 listing the cases that failed.
"""

import json
import os
import shutil
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


def connect(shakedown, port, ca, profile, line, *options):
    """(result, code, first finding, every finding) of the device meeting 127.0.0.1:`port` (`shakedown connect`)."""
    c = subprocess.run([shakedown, "connect", f"localhost:{port}", "--ca", ca, "--mbedtls", line, "--profile", profile,
                        "--json", *options], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    answer = json.loads(c.stdout) if c.stdout.startswith("{") else {"stdout": c.stdout[:300], "stderr": c.stderr[:300]}
    ids = [f["id"] for f in answer.get("findings") or []]
    failed = answer.get("result") == "fail"
    return answer.get("result"), answer.get("error_code"), ids[0] if failed and ids else None, ids


def run_cells(shakedown, scenario, target, tmp):
    """{(profile, line): (result, code, finding)} of `shakedown run` of `scenario` on `target`, or why not."""
    results = os.path.join(tmp, f"{os.path.basename(scenario)}-{target}.json")
    p = subprocess.run([shakedown, "run", scenario, "--target", target, "--json", results, "-j", "2"],
                       capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if p.returncode not in (0, 1):
        return f"{scenario} did not run on {target}: exit {p.returncode}: {p.stderr[:400]}{p.stdout[-400:]}"
    with open(results, encoding="utf-8") as f:
        return {(c["profile"], c["mbedtls_line"]): (c.get("result"), c.get("error_code"),
                                                    c.get("finding") if c.get("result") == "fail" else None)
                for c in json.load(f)["results"]}


def differential(shakedown, port, ca, tmp, name):
    """The device, trusting `ca`, against the real server and against the probe's replica (whose device trusts
    the replica's root only where `ca` anchors the real chain), for every (profile, line) cell.

    On the simulator each cell must end alike four ways: `connect` to the real server and `connect` to the
    replica (the same client-side evidence) give the same result, code and first finding; and `run` of the
    replica, which also reads the replica's side, gives the same result and code, with a finding that is among
    the real cell's findings (the server's side picks one of the candidates the device's side leaves); and a
    scenario whose server is the real one (`peer: external`) ends as `connect` did. With QEMU, the firmware's
    `connect` to the real server, `run` of the replica and of the external scenario each end as the
    simulator's did. No failure may be unexplained."""
    replica = os.path.join(tmp, "replica.yaml")
    args = [shakedown, "probe", f"localhost:{port}", "--ca", ca, "--replica", replica]
    for profile in PROFILES:
        args += ["--profile", profile]
    p = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if p.returncode != 0:
        return [f"{name}: the probe for the replica: exit {p.returncode}: {p.stderr[:300]}"]
    # The real server as a scenario's external server, too.
    external = os.path.join(tmp, "external.yaml")
    with open(external, "w", encoding="utf-8") as f:
        f.write(f"summary: {name}, as it is\nserver:\n  peer: external\n  address: localhost:{port}\n  trust: {ca}\n"
                "client:\n  hostname: localhost\nexpect:\n" + "".join(f"  {p}: {{result: pass}}\n" for p in PROFILES))
    targets = ["sim", "qemu"] if shutil.which("qemu-system-arm") else ["sim"]
    ran = {target: run_cells(shakedown, replica, target, tmp) for target in targets}
    met = {target: run_cells(shakedown, external, target, tmp) for target in targets}
    for cells in [*ran.values(), *met.values()]:
        if isinstance(cells, str):
            return [f"{name}: {cells}"]
    server = Started([os.path.join(os.path.dirname(shakedown), "shakedown-server"), replica],
                     r"listening on 127\.0\.0\.1:(\d+)")
    failures = []
    try:
        replica_ca = server.wait_for(r"trust anchor.*: (\S+)")
        hostname = server.wait_for(r"hostname: (\S+)")
        for (profile, line), run_sim in ran["sim"].items():
            real = connect(shakedown, port, ca, profile, line)
            offline = connect(shakedown, server.port, replica_ca, profile, line, "--servername", hostname)
            same = real[:3] == offline[:3] and real[:2] == run_sim[:2] and (run_sim[2] is None or run_sim[2] in real[3])
            seen = f"real {real[:3]}, replica {offline[:3]}, replica with its server's side {run_sim}"
            # A scenario cell with the real server as its external server ends as `connect` did, on each target.
            for target in targets:
                same = same and met[target].get((profile, line)) == real[:3]
            seen += f"; as an external server {[met[t].get((profile, line)) for t in targets]}"
            if "qemu" in ran:
                real_qemu = connect(shakedown, port, ca, profile, line, "--target", "qemu")
                run_qemu = ran["qemu"].get((profile, line))
                same = same and real_qemu[:3] == real[:3] and run_qemu == run_sim
                seen += f"; on QEMU: real {real_qemu[:3]}, replica {run_qemu}"
            print(f"  {'same' if same else 'DIFF'} {profile}@{line}: {seen}")
            if not same:
                failures.append(f"{name}, {profile}@{line}: {seen}")
            elif "unexplained" in (real[2], run_sim[2]):
                failures.append(f"{name}, {profile}@{line}: no rule explains it: {real}")
    finally:
        server.stop()
    return failures


def unanchored_case(shakedown):
    """A device whose CA file does not anchor the server's chain: the probe says so, and the replica keeps it
    unanchored (its device trusts a root of its own), so real and replica fail alike, with untrusted-ca."""
    with tempfile.TemporaryDirectory() as tmp:
        rsa = make_pki(tmp, "rsa", ["-newkey", "rsa:2048"])
        other = make_pki(tmp, "other", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
        server = Started(["openssl", "s_server", "-accept", "127.0.0.1:0", "-www", "-cert", rsa[1], "-key", rsa[2]],
                         r"ACCEPT 127\.0\.0\.1:(\d+)")
        try:
            _, answer = probe(shakedown, server.port, tmp, "--ca", other[0], "--max-handshakes", "1")
            print(f"{'ok  ' if answer.get('ca_file_anchors_chain') is False else 'FAIL'} a CA file that does not "
                  f"anchor the chain: {answer.get('unanchored_because')}")
            failures = [] if answer.get("ca_file_anchors_chain") is False else [f"unanchored: {answer}"]
            failures += differential(shakedown, server.port, other[0], tmp, "a CA file that does not anchor the chain")
        finally:
            server.stop()
    return failures


def version_refusal_case(shakedown):
    """A server of TLS 1.3 only that refuses TLS 1.2 with handshake_failure, as gnutls-serv does, not OpenSSL's
    protocol_version: shakedown's server plays it (version_refusal_alert), the probe sees that alert, and the
    replica it writes sends it again."""
    with tempfile.TemporaryDirectory() as tmp:
        scenario = os.path.join(tmp, "tls13-refuses-with-40.yaml")
        with open(scenario, "w", encoding="ascii") as f:
            f.write("summary: TLS 1.3 only, refusing older ClientHellos with handshake_failure\n"
                    "pki:\n  - {key: ec-p256}\n  - {key: ec-p256}\n"
                    "server:\n  versions: [tls1.3]\n  version_refusal_alert: 40\n"
                    "client:\n  hostname: cloud.shakedown.test\nexpect:\n  default-16k: {result: pass}\n")
        server = Started([os.path.join(os.path.dirname(shakedown), "shakedown-server"), scenario],
                         r"listening on 127\.0\.0\.1:(\d+)")
        replica = os.path.join(tmp, "replica.yaml")
        try:
            p, answer = probe(shakedown, server.port, tmp, "--replica", replica)
        finally:
            server.stop()
        refusals = {v["version"]: (v.get("refusal") or {}).get("alert") for v in answer.get("versions", [])}
        with open(replica, encoding="utf-8") as f:
            replayed = "version_refusal_alert: 40" in f.read()
    ok = p.returncode == 0 and refusals.get("TLSv1.2") == 40 and replayed
    print(f"{'ok  ' if ok else 'FAIL'} a server refusing TLS 1.2 with handshake_failure: the probe saw {refusals}, "
          f"the replica sends it again: {replayed}")
    return [] if ok else [f"version refusal: exit {p.returncode}: {refusals}, replayed {replayed}"]


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
            ("a server that asks for a client certificate of its CA, P-384 only",
             s_server + ["-verify", "1", "-CAfile", rsa[0], "-groups", "P-384"], [],
             lambda a: a["certificate_requested"] is True and a["client_ca_names"] == ["CN=rsa test CA"]
             and a["groups"] == ["P-384"]),
            ("the bound: at most 5 handshakes, and what was learned is kept", s_server, ["--max-handshakes", "5"],
             lambda a: a["handshakes"] == 5 and a["stopped_early"] is True and a["reachable"] is True),
        ]
        for name, server_args, options, check in cases:
            server = Started(server_args, accept)
            try:
                p, answer = probe(shakedown, server.port, tmp, *options)
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

    failures += version_refusal_case(shakedown)
    failures += unanchored_case(shakedown)

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
