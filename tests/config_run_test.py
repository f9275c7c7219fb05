#!/usr/bin/env python3
"""`shakedown config show` and `shakedown run --config` on device configs
shaped like real projects' (tests/data/configs): each is imported with the
real preprocessor, built on demand into a simulator, and run on
scenarios/field; the field device's config written out in full as CubeMX
does gives field-2x's four findings, with fixes naming the user's file; a
config that cannot build is a usage error naming what the compiler said.

usage: config_run_test.py SHAKEDOWN REPO WORK_DIR BUILD_CACHE
"""
import json
import os
import subprocess
import sys
from pathlib import Path

FIELD_FINDINGS = {
    "field/01-suite-mismatch": "no-shared-ciphersuite",
    "field/02-sha1-root": "ca-signature-hash-disabled",
    "field/03-rsa4096-root": "rsa-key-too-large-for-mpi",
    "field/04-chain-exceeds-record-buffer": "record-too-large-for-input-buffer",
}

# (config, its line, the hooks config show must list as replaced)
CONFIGS = [
    ("field-device-cubemx/mbedtls_config.h", "2.28",
     {"MBEDTLS_ENTROPY_HARDWARE_ALT", "MBEDTLS_PLATFORM_CALLOC_MACRO", "MBEDTLS_THREADING_ALT", "MBEDTLS_NET_C"}),
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
    os.environ["SHAKEDOWN_BUILD_CACHE"] = sys.argv[4]  # the on-demand builds, kept from run to run
    work.mkdir(parents=True, exist_ok=True)
    configs = repo / "tests" / "data" / "configs"
    field = str(repo / "scenarios" / "field")

    for name, line, hooks in CONFIGS:
        shown = run([shakedown, "config", "show", str(configs / name), "--json"])
        check(shown.returncode == 0, f"config show {name}: exit 0 ({shown.stderr.strip()[:200]})")
        if shown.returncode != 0:
            continue
        j = json.loads(shown.stdout)
        replaced = {s.get("option") for s in j["substitutions"]}
        check(j["mbedtls_line"] == line, f"{name}: guessed Mbed TLS {j['mbedtls_line']}, expected {line}")
        check(hooks <= replaced, f"{name}: replaced hooks include {sorted(hooks)} (missing: {sorted(hooks - replaced)})")
        check(not replaced & set(j["effective"]), f"{name}: no replaced hook is kept")

    # The field device's config in full: the same four findings as field-2x.
    out = work / "field-device.json"
    r = run([shakedown, "run", field, "--config", str(configs / CONFIGS[0][0]), "--expect-like", "field-2x",
             "--json", str(out)])
    check(r.returncode == 0, f"run --config field device --expect-like field-2x: exit {r.returncode}, expected 0")
    if out.exists():
        results = json.loads(out.read_text())["results"]
        got = {c["scenario"]: c.get("finding") for c in results}
        check(got == FIELD_FINDINGS, f"field device: findings {got}")
        fixes = [f["fix"] for c in results for f in c["findings"][:1]]
        check(all("field-device-cubemx/mbedtls_config.h" in f for f in fixes),
              "every fix names the user's config file")
        check({c["profile"] for c in results} == {"field-device-cubemx"}, "the cells run the imported profile")

    # The other two: every cell answered and explained (no infrastructure
    # error, nothing unexplained), whatever it got.
    for name, line, _ in CONFIGS[1:]:
        out = work / (name.replace("/", "-") + ".json")
        r = run([shakedown, "run", field, "--config", str(configs / name), "--json", str(out)])
        check(r.returncode in (0, 1), f"run --config {name}: exit {r.returncode} (0 or 1)")
        if out.exists():
            results = json.loads(out.read_text())["results"]
            check(len(results) == 4, f"{name}: 4 cells, got {len(results)}")
            check(all(c["verdict"] != "infrastructure-error" for c in results), f"{name}: no infrastructure error")
            check(all(c["result"] == "pass" or c.get("finding") not in (None, "unexplained") for c in results),
                  f"{name}: every failure explained: {[(c['scenario'], c.get('finding')) for c in results]}")
            check({c["mbedtls_line"] for c in results} == {line}, f"{name}: runs on Mbed TLS {line}")

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
