#!/usr/bin/env python3
"""`shakedown config show` and `shakedown run --config` on device configs
shaped like real projects' (tests/data/configs): each is imported with the
real preprocessor, built on demand into a simulator, and run on
scenarios/field; the field device's config written out in full as CubeMX
does gives field-2x's four findings, with fixes naming the user's file; a
config that cannot build is a usage error naming what the compiler said; an
ECC-only 2.x device with no RSA, time, error strings or platform layer builds
and gets the key-type finding and a 2.x buffer fix that a build confirms.

Each config runs on the simulator and, where QEMU and the Cortex-M toolchain
are installed, on the firmware under QEMU: both builds report the config hash
`config show` gives, and every cell gives the same result on both.

usage: config_run_test.py SHAKEDOWN REPO WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from local_servers import Started

FIELD_FINDINGS = {
    "field/01-suite-mismatch": "no-shared-ciphersuite",
    "field/02-sha1-root": "ca-signature-hash-disabled",
    "field/03-rsa4096-root": "rsa-key-too-large-for-mpi",
    "field/04-chain-exceeds-record-buffer": "record-too-large-for-input-buffer",
}

# (config, its line, the hooks config show must list as replaced)
CONFIGS = [
    ("field-device-cubemx/mbedtls_config.h", "2.28",
     {"MBEDTLS_ENTROPY_HARDWARE_ALT", "MBEDTLS_PLATFORM_CALLOC_MACRO", "MBEDTLS_THREADING_ALT", "MBEDTLS_NET_C",
      "MBEDTLS_PLATFORM_C"}),
    ("cubemx-h5-3x/mbedtls_config.h", "3.6",
     {"MBEDTLS_AES_ALT", "MBEDTLS_ECP_ALT", "MBEDTLS_SHA256_ALT", "MBEDTLS_PLATFORM_MS_TIME_ALT"}),
    ("trimmed-3x.h", "3.6", {"MBEDTLS_ENTROPY_HARDWARE_ALT", "MBEDTLS_NO_PLATFORM_ENTROPY"}),
]

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(argv, timeout=900):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def main():
    shakedown, repo, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    configs = repo / "tests" / "data" / "configs"
    field = str(repo / "scenarios" / "field")

    hashes = {}
    for name, line, hooks in CONFIGS:
        shown = run([shakedown, "config", "show", str(configs / name), "--json"])
        check(shown.returncode == 0, f"config show {name}: exit 0 ({shown.stderr.strip()[:200]})")
        if shown.returncode != 0:
            continue
        j = json.loads(shown.stdout)
        hashes[name] = j["config_hash"]
        replaced = {s.get("option") for s in j["substitutions"]}
        check(j["mbedtls_line"] == line, f"{name}: guessed Mbed TLS {j['mbedtls_line']}, expected {line}")
        check(hooks <= replaced, f"{name}: replaced hooks include {sorted(hooks)} (missing: {sorted(hooks - replaced)})")
        check(not replaced & set(j["effective"]), f"{name}: no replaced hook is kept")

    targets = ["sim"]
    if shutil.which("qemu-system-arm") and shutil.which("arm-none-eabi-gcc"):
        targets.append("qemu")
    else:
        print("note: no qemu-system-arm or arm-none-eabi-gcc: the QEMU half is not run")

    def run_config(name, target, extra):
        out = work / f"{name.replace('/', '-')}-{target}.json"
        out.unlink(missing_ok=True)
        r = run([shakedown, "run", field, "--target", target, "--config", str(configs / name), "--json", str(out)]
                + extra)
        results = json.loads(out.read_text())["results"] if out.exists() else []
        return r, results

    outcomes = {}
    for name, line, _ in CONFIGS:
        for target in targets:
            # The field device's config in full expects what field-2x does;
            # the others expect a pass, as a user's device would.
            expect = ["--expect-like", "field-2x"] if name == CONFIGS[0][0] else []
            r, results = run_config(name, target, expect)
            what = f"run --config {name} --target {target}"
            check(r.returncode == (0 if expect else r.returncode) and r.returncode in (0, 1),
                  f"{what}: exit {r.returncode} ({r.stderr.strip()[-200:]})")
            check(len(results) == 4, f"{what}: 4 cells, got {len(results)}")
            check(all(c["verdict"] != "infrastructure-error" for c in results), f"{what}: no infrastructure error")
            check(all(c["result"] == "pass" or c.get("finding") not in (None, "unexplained") for c in results),
                  f"{what}: every failure explained")
            check({c["mbedtls_line"] for c in results} <= {line}, f"{what}: runs on Mbed TLS {line}")
            check({c["config_hash"] for c in results} <= {hashes.get(name)},
                  f"{what}: the build reports config show's hash {hashes.get(name)}: {sorted({c['config_hash'] for c in results})}")
            check({c["profile"] for c in results} <= {Path(name).parent.name or Path(name).stem},
                  f"{what}: the cells run the imported profile")
            outcomes[(name, target)] = {c["scenario"]: (c["result"], c.get("error_code"), c.get("finding"))
                                        for c in results}
            if expect:
                got = {c["scenario"]: c.get("finding") for c in results}
                check(got == FIELD_FINDINGS, f"{what}: field-2x's four findings: {got}")
                check(all("field-device-cubemx/mbedtls_config.h" in c["findings"][0]["fix"] for c in results
                          if c["findings"]), f"{what}: every fix names the user's config file")
        if "qemu" in targets:
            check(outcomes[(name, "sim")] == outcomes[(name, "qemu")],
                  f"{name}: QEMU gives what the simulator gives: {outcomes[(name, 'qemu')]}")

    # --verify-fixes: each of the field device's four fixes made, built and
    # run again clears its failure (the suite and buffer cells then pass;
    # the SHA-1 and RSA-4096 cells meet the suite mismatch the field device
    # met next); each carries its price. A wrong fix does not help.
    out = work / "verify-fixes.json"
    out.unlink(missing_ok=True)
    field_config = str(configs / CONFIGS[0][0])
    report_dir = work / "verify-fixes-run"
    shutil.rmtree(report_dir, ignore_errors=True)
    r = run([shakedown, "run", field, "--config", field_config, "--expect-like", "field-2x", "--verify-fixes",
             "--json", str(out), "--out", str(report_dir)])
    check(r.returncode == 0, f"--verify-fixes: exit {r.returncode} ({r.stderr.strip()[-300:]})")
    page = (report_dir / "report.html").read_text() if (report_dir / "report.html").exists() else ""
    check(page.count('<div class="verification">') == 4 and page.count("fix verified") >= 4
          and page.count('<table class="price">') == 4,
          "--verify-fixes: report.html shows each of the four fixes' verdict and price")
    priced = shutil.which("arm-none-eabi-gcc") is not None
    for c in json.loads(out.read_text())["results"] if out.exists() else []:
        f = c.get("fix_verification") or {}
        what = f"--verify-fixes {c['scenario']}: {f.get('change')}"
        check(f.get("outcome", "").startswith("fix verified"), f"{what}: {f.get('outcome')} (now {f.get('result')})")
        check(f.get("heap_before") is not None and f.get("heap_after") is not None, f"{what}: the peak heap before and after")
        if priced:
            check(f.get("flash_before") and f.get("flash_after") and f.get("ram_after"),
                  f"{what}: flash {f.get('flash_before')} -> {f.get('flash_after')}, RAM {f.get('ram_before')} -> {f.get('ram_after')}")
    r = run([shakedown, "run", field, "--config", field_config, "--expect-like", "field-2x",
             "--filter", "01-suite-mismatch", "--try-fix", "MBEDTLS_SHA1_C", "--json", str(out)])
    wrong = json.loads(out.read_text())["results"][0].get("fix_verification", {}) if out.exists() else {}
    check(wrong.get("outcome") == "fix did not help" and wrong.get("finding") == "no-shared-ciphersuite",
          f"a wrong fix (MBEDTLS_SHA1_C for the suite mismatch): {wrong.get('outcome')}, now {wrong.get('finding')}")

    # An ECC-only 2.x device (no RSA, no platform layer, no time, no error
    # strings, 2 KB records through MBEDTLS_SSL_MAX_CONTENT_LEN), found in
    # its project's Inc/ folder: it builds, is named by its project, cannot
    # load an RSA-signed root (the key type, not the hash, is missing), and
    # its buffer fix raises the 2.x cap too, which a build then confirms.
    ecc_config = str(configs / "ecc-client-2x" / "Inc" / "mbedtls_config.h")
    out.unlink(missing_ok=True)
    r = run([shakedown, "run", field, "--config", ecc_config, "--verify-fixes", "--json", str(out)])
    cells = {c["scenario"]: c for c in json.loads(out.read_text())["results"]} if out.exists() else {}
    check(r.returncode == 1 and len(cells) == 4, f"ECC-only 2.x config: exit {r.returncode}, {len(cells)} cells "
          f"({r.stderr.strip()[-300:]})")
    check({c["profile"] for c in cells.values()} == {"ecc-client-2x"}, "...named by its project, not by Inc/")
    first = {s: (c.get("findings") or [{}])[0].get("id") for s, c in cells.items()}
    check(all(first.get(f"field/0{n}-{s}") == "ca-signature-key-type-disabled"
              for n, s in ((1, "suite-mismatch"), (2, "sha1-root"), (3, "rsa4096-root"))),
          f"...an RSA-signed root does not load for want of MBEDTLS_RSA_C: {first}")
    buffer = cells.get("field/04-chain-exceeds-record-buffer", {})
    buffer_fix = buffer.get("fix_verification") or {}
    check(first.get("field/04-chain-exceeds-record-buffer") == "record-too-large-for-input-buffer"
          and buffer_fix.get("change", "").startswith("#define MBEDTLS_SSL_MAX_CONTENT_LEN 4096,")
          and buffer_fix.get("outcome") == "fix verified" and buffer_fix.get("result") == "pass",
          f"...the buffer fix raises MBEDTLS_SSL_MAX_CONTENT_LEN too and passes: {buffer_fix.get('change')}: "
          f"{buffer_fix.get('outcome')} (now {buffer_fix.get('result')})")
    rsa_fix = (cells.get("field/01-suite-mismatch", {}).get("fix_verification") or {})
    check(rsa_fix.get("change") == "#define MBEDTLS_RSA_C and MBEDTLS_PKCS1_V15"
          and rsa_fix.get("outcome", "").startswith("fix verified")
          and rsa_fix.get("finding") == "rsa-key-too-large-for-mpi",
          f"...the RSA fix loads the root, and the 48-byte bignums show next: {rsa_fix.get('outcome')}, "
          f"now {rsa_fix.get('finding')}")

    # check --config over scenarios/field: four servers it cannot talk to,
    # one cause each, each fix verified (the builds are the ones above).
    summary = work / "check.json"
    summary.unlink(missing_ok=True)
    r = run([shakedown, "check", "--config", field_config, field, "--json", str(summary)])
    j = json.loads(summary.read_text()) if summary.exists() else {}
    causes = {g["cause"]: g for g in j.get("cannot_talk_to", [])}
    check(r.returncode == 1 and j.get("servers") == 4 and j.get("talks_to") == 0,
          f"check --config on scenarios/field: exit {r.returncode}, {j.get('servers')} servers, talks to {j.get('talks_to')}")
    check(set(causes) == set(FIELD_FINDINGS.values()), f"check: the causes are the four field findings: {sorted(causes)}")
    check(all(g["outcome"].startswith("fix verified") for g in causes.values()),
          f"check: each cause's fix verified: {[(c, g['outcome']) for c, g in causes.items()]}")

    # connect --config: the field device's own config against the field
    # report's server (shakedown-server on 127.0.0.1), on each target.
    server = Started([os.path.join(os.path.dirname(shakedown), "shakedown-server"),
                      str(repo / "scenarios" / "field" / "01-suite-mismatch.yaml")], r"listening on 127\.0\.0\.1:(\d+)")
    try:
        anchor = server.wait_for(r"trust anchor \(give it to the client\): (\S+)")
        for target in targets:
            r = run([shakedown, "connect", f"127.0.0.1:{server.port}", "--target", target, "--config",
                     str(configs / CONFIGS[0][0]), "--ca", anchor, "--servername", "cloud.shakedown.test", "--json"])
            answer = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}
            first = (answer.get("findings") or [{}])[0].get("id")
            check(r.returncode == 1 and answer.get("error_code") == "-0x0050" and first == "no-shared-ciphersuite",
                  f"connect --config --target {target} to the field server: exit {r.returncode}, "
                  f"{answer.get('error_code')}, {first}")
    finally:
        server.stop()

    # A config that cannot build: a usage error with the compiler's word.
    bad = work / "too-little-for-tls.h"
    bad.write_text("#define MBEDTLS_HAVE_TIME\n#define MBEDTLS_PLATFORM_C\n#define MBEDTLS_SSL_TLS_C\n"
                   "#define MBEDTLS_SSL_CLI_C\n#define MBEDTLS_SSL_PROTO_TLS1_2\n")
    r = run([shakedown, "run", field, "--config", str(bad), "--mbedtls", "3.6"])
    check(r.returncode == 3, f"a config that does not build: exit {r.returncode}, expected 3")
    check(str(bad) in r.stderr and "#error" in r.stderr, f"...naming the file and the compiler's error: {r.stderr[-300:]}")

    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
