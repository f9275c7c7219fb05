"""The shakedown column: each cell written as a scenario (docs/scenarios.md),
expecting what ssl_client2 did, run with `shakedown run`, read back from
results.json.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re
import subprocess
import time

from matrix import PSK_IDENTITY, PSK_KEY, Cell
from reference import HOSTNAME, Outcome

DEFAULT_PROFILE = "default-16k"
PKI = {"rsa": "rsa-2048", "ec": "ec-p256", "ec384": "ec-p384"}


@dataclasses.dataclass
class Run:
    outcomes: dict[str, Outcome]  # by cell name
    refused: dict[str, str]  # cell name -> why shakedown would not load it
    seconds: float
    infrastructure: dict[str, str] = dataclasses.field(default_factory=dict)  # cell name -> why


def _flow(items) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def _versions(lo_hi: tuple[str, str]) -> str:
    lo, hi = lo_hi
    return _flow([lo] if lo == hi else [lo, hi])


def scenario_text(cell: Cell, line: str, expect_pass: bool, profile: str = DEFAULT_PROFILE) -> str:
    key = PKI[cell.key or "rsa"]
    server = [f"  versions: {_versions(cell.server_versions)}"]
    if cell.server_ciphers:
        server.append(f"  ciphersuites: {_flow(cell.server_ciphers)}")
    if cell.server_groups:
        server.append(f"  groups: {_flow([cell.server_groups])}")
    if cell.server_sigalgs:
        server.append(f"  signature_algorithms: {json.dumps(cell.server_sigalgs)}")
    psk = f"{{identity: {json.dumps(PSK_IDENTITY)}, key: {json.dumps(PSK_KEY)}}}"
    if cell.psk:
        server.append(f"  psk: {psk}")
    client = [f"  hostname: {HOSTNAME}", f"  mbedtls: [{json.dumps(line)}]"]
    if cell.client_versions:
        client.append(f"  versions: {_versions(cell.client_versions)}")
    if cell.client_suite:
        client.append(f"  ciphersuites: [{cell.client_suite.hex}]")
    if cell.psk:
        client.append(f"  psk: {psk}")
    result = "pass" if expect_pass else "fail"
    return "\n".join([
        "summary: >-",
        f"  Differential oracle cell {cell.name} on Mbed TLS {line}: shakedown must do what",
        "  ssl_client2 did against openssl s_server restricted the same way (tests/oracle).",
        "pki:", f"  - {{key: {key}}}", f"  - {{key: {key}}}",
        "server:", *server,
        "client:", *client,
        "expect:", f"  {profile}: {{result: {result}}}",
        "",
    ])


def write(cells: list[Cell], line: str, expected: dict[str, Outcome], folder: pathlib.Path,
          profile: str = DEFAULT_PROFILE) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    for cell in cells:
        (folder / f"{cell.name}.yaml").write_text(scenario_text(cell, line, expected[cell.name].passed, profile))


def _cells_of(results_json: pathlib.Path) -> list[dict]:
    data = json.loads(results_json.read_text())
    return data["results"]


def run(shakedown: pathlib.Path, folder: pathlib.Path, out_json: pathlib.Path, pki_cache: pathlib.Path,
        target: str, jobs: int) -> Run:
    """Runs every scenario in `folder`. A scenario shakedown refuses to load
    (exit 3, `file:line: why`; the loader names one at a time) is set aside
    as refused and the rest run again."""
    refused: dict[str, str] = {}
    start = time.monotonic()
    attempts = len(list(folder.glob("*.yaml"))) + 1
    for _ in range(attempts):
        if not any(folder.glob("*.yaml")):
            return Run({}, refused, time.monotonic() - start)
        out_json.unlink(missing_ok=True)
        cmd = ["nice", "-n", "10", str(shakedown), "run", str(folder), "--target", target, "--json", str(out_json),
               "-j", str(jobs), "--pki-cache", str(pki_cache)]
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=3600)
        if proc.returncode == 3:
            bad = re.findall(r"([^\s:]+\.yaml):\d+:?\s*(.*)", proc.stderr + proc.stdout)
            if not bad:
                raise RuntimeError(f"shakedown run refused the scenarios: {proc.stderr.strip()[-500:]}")
            for path, why in bad:
                p = pathlib.Path(path)
                if not p.is_absolute():
                    p = folder / p.name
                refused[p.stem] = why.strip()
                (folder / p.name).rename(folder / (p.name + ".refused"))
            continue
        if not out_json.exists():
            raise RuntimeError(f"shakedown run exited {proc.returncode} without {out_json}: {proc.stderr[-500:]}")
        return _read(out_json, refused, time.monotonic() - start)
    raise RuntimeError(f"shakedown run kept refusing scenarios after {attempts} attempts")


def _read(out_json: pathlib.Path, refused: dict[str, str], seconds: float) -> Run:
    outcomes, infra = {}, {}
    for c in _cells_of(out_json):
        name = c["scenario"].rsplit("/", 1)[-1]
        if c["verdict"] == "infrastructure-error":
            infra[name] = c.get("why", "")
            continue
        passed = c.get("result") == "pass"
        signature = ((c.get("server") or {}).get("negotiated") or {}).get("signature")
        outcomes[name] = Outcome(passed, version=c.get("version") or None, suite=c.get("suite") or None,
                                 group=c.get("group"), signature=signature,
                                 error=None if passed else c.get("error_code"),
                                 detail="" if passed else f"finding {c.get('finding')} at stage {c.get('stage')}")
    return Run(outcomes, refused, seconds, infra)
