#!/usr/bin/env python3
"""Differential oracle (issue 17): for one Mbed TLS line, Mbed TLS's own
ssl_client2 against `openssl s_server` over a matrix of suites, groups,
signature schemes and version pairs, then the same cells as shakedown
scenarios; any disagreement in pass/fail or in the negotiated version, suite,
group or signature scheme fails, listing the cells.

  oracle.py --line 3.6 --mbedtls-source DIR --ssl-client2 BIN --shakedown BIN
            --pki-cache DIR --out DIR [-j 2] [--target sim] [--sample N]

Exit status: 0 every cell agrees; 1 some disagree; 2 the harness failed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import pathlib
import shutil
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import matrix  # noqa: E402
import reference  # noqa: E402
import scenarios  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--line", required=True)
    p.add_argument("--mbedtls-source", type=pathlib.Path, required=True)
    p.add_argument("--ssl-client2", type=pathlib.Path, required=True)
    p.add_argument("--shakedown", type=pathlib.Path, required=True)
    p.add_argument("--pki-cache", type=pathlib.Path, required=True)
    p.add_argument("--out", type=pathlib.Path, required=True)
    p.add_argument("-j", type=int, default=2)
    p.add_argument("--target", default="sim")
    p.add_argument("--sample", type=int, default=0,
                   help="only a sample of N cells, spread over the kinds (for slow targets)")
    p.add_argument("--no-psk", action="store_true", help="leave out the PSK phase")
    p.add_argument("--profile", default=scenarios.DEFAULT_PROFILE,
                   help="the profile (firmware/configs/<profile>.h) ssl_client2 was built with; "
                        "the scenarios expect on it")
    p.add_argument("--kinds", default="",
                   help="only these kinds of cell, comma-separated (suite, suite13, offer, group, sigalg, version, psk)")
    return p.parse_args()


def sample(cells: list[matrix.Cell], n: int) -> list[matrix.Cell]:
    """n cells taken round-robin over the kinds, evenly spaced within each."""
    by_kind: dict[str, list[matrix.Cell]] = {}
    for c in cells:
        by_kind.setdefault(c.kind, []).append(c)
    picked: list[matrix.Cell] = []
    for i in range(n):
        kinds = list(by_kind)
        kind = kinds[i % len(kinds)]
        pool = by_kind[kind]
        k = i // len(kinds)
        step = max(1, len(pool) // max(1, (n + len(kinds) - 1) // len(kinds)))
        if k * step < len(pool) and pool[k * step] not in picked:
            picked.append(pool[k * step])
    return picked


def reference_column(args, cells, files) -> tuple[dict[str, reference.Outcome], float]:
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
        futures = {c.name: pool.submit(reference.run_cell, args.ssl_client2, c, files) for c in cells}
        outcomes = {name: f.result() for name, f in futures.items()}
    return outcomes, time.monotonic() - start


def compare(cell: matrix.Cell, ref: reference.Outcome, run: scenarios.Run) -> str | None:
    """Why the two columns disagree on a cell, or None."""
    if cell.name in run.refused:
        return f"shakedown refuses the scenario: {run.refused[cell.name]}"
    if cell.name in run.infrastructure:
        return f"shakedown infrastructure error: {run.infrastructure[cell.name]}"
    sd = run.outcomes.get(cell.name)
    if sd is None:
        return "shakedown reported no such cell"
    if ref.passed != sd.passed:
        ref_said = f"pass ({ref.version}, {ref.suite})" if ref.passed else f"fail {ref.error} [{ref.detail}]"
        sd_said = f"pass ({sd.version}, {sd.suite})" if sd.passed else f"fail {sd.error} [{sd.detail}]"
        return f"ssl_client2: {ref_said}; shakedown: {sd_said}"
    if not ref.passed:
        return None  # error codes are compared as notes only (see note())
    diffs = [f"{what}: ssl_client2 {a}, shakedown {b}"
             for what, a, b in (("version", ref.version, sd.version), ("suite", ref.suite, sd.suite)) if a != b]
    if cell.expected_group and sd.group != ref.group:
        diffs.append(f"group: s_server used {ref.group} (the only one it allows: {cell.expected_group}), "
                     f"shakedown reports {sd.group}")
    # The scheme the server signed with, on every passing cell: s_server's -msg dump shows every
    # message it sent, so None there is known too (static RSA and PSK key exchanges sign nothing).
    if ref.signature != sd.signature:
        said = {None: "signed nothing"}
        diffs.append(f"signature: s_server {said.get(ref.signature, 'signed with ' + str(ref.signature))}, "
                     f"shakedown's server {said.get(sd.signature, 'with ' + str(sd.signature))}")
    return "; ".join(diffs) or None


def note(cell: matrix.Cell, ref: reference.Outcome, run: scenarios.Run) -> str | None:
    """Both failed, with different return codes: shown, not judged (the format cannot pin codes per cell yet)."""
    sd = run.outcomes.get(cell.name)
    if sd is None or ref.passed or sd.passed or ref.error == sd.error:
        return None
    return f"both fail; ssl_client2 {ref.error} [{ref.detail}], shakedown {sd.error} [{sd.detail}]"


def _shakedown_row(run: scenarios.Run, name: str) -> dict | None:
    sd = run.outcomes.get(name)
    if sd is None:
        return None
    return {"passed": sd.passed, "version": sd.version, "suite": sd.suite, "group": sd.group,
            "signature": sd.signature, "error": sd.error, "detail": sd.detail}


def phase(args, title: str, cells: list[matrix.Cell], files, out: pathlib.Path) -> tuple[int, list, dict]:
    """Runs one phase; returns (cells compared, disagreements, notes, figures). Raises on a harness failure."""
    ref, ref_seconds = reference_column(args, cells, files)
    folder = out / "scenarios" / f"oracle-{args.line}-{args.profile}-{title}"
    scenarios.write(cells, args.line, ref, folder, args.profile)
    run = scenarios.run(args.shakedown, folder, out / f"{title}-results.json", args.pki_cache, args.target, args.j)
    rows, disagreements, notes = [], [], []
    for cell in cells:
        why = compare(cell, ref[cell.name], run)
        r = ref[cell.name]
        rows.append({"cell": cell.name, "kind": cell.kind, "ssl_client2": {
            "passed": r.passed, "version": r.version, "suite": r.suite, "group": r.group, "signature": r.signature,
            "error": r.error, "detail": r.detail},
            "shakedown": _shakedown_row(run, cell.name),
            "disagreement": why, "note": note(cell, r, run)})
        if why:
            disagreements.append((cell.name, why))
        elif n := note(cell, ref[cell.name], run):
            notes.append((cell.name, n))
    (out / f"{title}-cells.json").write_text(json.dumps(rows, indent=1) + "\n")
    figures = {"cells": len(cells), "ssl_client2_passes": sum(r.passed for r in ref.values()),
               "ssl_client2_seconds": round(ref_seconds, 1), "shakedown_seconds": round(run.seconds, 1),
               "refused": len(run.refused)}
    return len(cells), disagreements, notes, figures


def main() -> int:
    args = parse_args()
    if args.target == "qemu" and shutil.which("qemu-system-arm") is None:
        print("SKIPPED: qemu-system-arm is not installed")
        return 0
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    cells, psk_cells = matrix.build(args.mbedtls_source, args.ssl_client2)
    if args.kinds:
        kinds = set(args.kinds.split(","))
        cells = [c for c in cells if c.kind in kinds]
        psk_cells = [c for c in psk_cells if c.kind in kinds]
    if args.sample:
        cells = sample(cells, args.sample)
        psk_cells = sample(psk_cells, max(1, args.sample // 4)) if psk_cells else []
    pki_dir = out / "pki"
    pki_dir.mkdir(exist_ok=True)
    probes = {}
    for key in scenarios.PKI:
        probe = matrix.Cell(f"pki-{key}", "pki", key, ("tls1.2", "tls1.2"), None)
        probes[key] = pki_dir / f"pki-{key}.yaml"
        probes[key].write_text(scenarios.scenario_text(probe, args.line, True, args.profile))
    files = reference.pki_from_shakedown(args.shakedown.parent / "shakedown-server", probes, args.pki_cache, pki_dir)

    total_disagreements = []
    summary = {}
    phases = [("certificates", cells)]
    if psk_cells and not args.no_psk:
        phases.append(("psk", psk_cells))
    for title, phase_cells in phases:
        if not phase_cells:
            continue
        n, disagreements, notes, figures = phase(args, title, phase_cells, files, out)
        refused = figures["refused"]
        if title == "psk" and refused == n:
            print(f"Mbed TLS {args.line} psk: SKIPPED: shakedown's scenario format refuses `psk` "
                  f"(every PSK scenario failed to load; see {out / 'psk-cells.json'}). "
                  "The PSK rows run once the format has it.")
            summary[title] = {**figures, "skipped": True}
            continue
        summary[title] = {**figures, "agreements": n - len(disagreements), "disagreements": len(disagreements)}
        print(f"Mbed TLS {args.line} {args.profile} {title}: {n} cells, {n - len(disagreements)} agree, "
              f"{len(disagreements)} disagree; ssl_client2 passed {figures['ssl_client2_passes']}; "
              f"ssl_client2 took {figures['ssl_client2_seconds']} s, shakedown ({args.target}) "
              f"{figures['shakedown_seconds']} s")
        for name, why in disagreements:
            print(f"  DISAGREE {args.line} {name}: {why}")
        for name, why in notes:
            print(f"  note {args.line} {name}: {why}")
        total_disagreements += disagreements
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return 1 if total_disagreements else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, KeyError) as e:
        print(f"oracle: harness failure: {e}", file=sys.stderr)
        sys.exit(2)
