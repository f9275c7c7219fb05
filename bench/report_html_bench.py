#!/usr/bin/env python3
"""The HTML report's size and the time headless Chromium takes to render it. Prints figures;
asserts nothing.

  bench/report_html_bench.py SHAKEDOWN SCENARIOS [--rounds N] [--workdir DIR]

1. `shakedown run SCENARIOS --target sim -j 2 --out DIR/suite`: the whole catalogue.
2. A 1,000-cell run made from it: its journal's cells four times over, under other scenario
   names (DIR/x4), turned into a report by `shakedown report` (the path a killed run's
   report takes, so the page is the one the run would write).
3. For each page: its size, the time `shakedown report` takes to write the reports, and in
   Chromium (fresh tab each round, N rounds, median and slowest): the load event, and
   "rendered": from navigation start to the second animation frame after the load event,
   when the page has been laid out and painted; and a word typed into the filter, to the
   next frame painted.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "browser"))
import chromium  # noqa: E402

RENDERED_MS = """new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() =>
    done(performance.now()))))"""
# A word typed into the filter, to the next frame painted: the page stays usable.
FILTER_MS = """new Promise(done => { const t0 = performance.now(); const f = document.getElementById('filter-text');
    f.value = 'rsa'; f.dispatchEvent(new Event('input'));
    requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0))); })"""


def times_over(suite, out, copies):
    """A journal of `copies` times the suite's cells, each copy under its own scenario names."""
    lines = [json.loads(line) for line in open(os.path.join(suite, "journal.jsonl"), encoding="utf-8")]
    plan = lines[0]["plan"]
    cells = [entry["cell"] for entry in lines if "cell" in entry]
    os.makedirs(out, exist_ok=True)
    planned, journal = [], []
    for k in range(1, copies + 1):
        for cell in cells:
            copy = dict(cell, scenario=f"{cell['scenario']}~{k}")
            planned.append({"scenario": copy["scenario"], "mbedtls_line": copy["mbedtls_line"],
                            "profile": copy["profile"]})
            journal.append({"cell": copy})
    with open(os.path.join(out, "journal.jsonl"), "w", encoding="utf-8") as f:
        for entry in [{"plan": dict(plan, cells=planned)}] + journal + [{"end": {"interrupted": False}}]:
            f.write(json.dumps(entry) + "\n")
    return len(journal)


def report_seconds(shakedown, folder):
    start = time.monotonic()
    subprocess.run([shakedown, "report", folder], capture_output=True, timeout=600, check=False)
    return time.monotonic() - start


def render(browser, page, rounds):
    loads, rendered, filtered = [], [], []
    for _ in range(rounds):
        browser.load("about:blank")
        loads.append(browser.load("file://" + os.path.abspath(page)))
        rendered.append(browser.evaluate(RENDERED_MS) / 1000)
        filtered.append(browser.evaluate(FILTER_MS) / 1000)
    return loads, rendered, filtered


def figure(values):
    return f"median {statistics.median(values):.2f} s, slowest {max(values):.2f} s"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("shakedown")
    parser.add_argument("scenarios")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="shakedown-report-bench-")
    shutil.rmtree(os.path.join(workdir, "suite"), ignore_errors=True)
    shutil.rmtree(os.path.join(workdir, "x4"), ignore_errors=True)
    suite = os.path.join(workdir, "suite")
    subprocess.run([args.shakedown, "run", args.scenarios, "--target", "sim", "-j", "2", "--out", suite],
                   capture_output=True, timeout=1800, check=False)
    pages = [("the catalogue", suite, len(json.load(open(os.path.join(suite, "results.json")))["results"]))]
    x4 = os.path.join(workdir, "x4")
    pages.append(("the catalogue four times over", x4, times_over(suite, x4, 4)))
    print(f"HTML report, {args.rounds} rounds each in {chromium.CHROMIUM} (headless), pages in {workdir}")
    with chromium.Chromium(os.path.join(workdir, "browser"), timeout=120) as browser:
        for name, folder, cells in pages:
            written = report_seconds(args.shakedown, folder)
            page = os.path.join(folder, "report.html")
            loads, rendered, filtered = render(browser, page, args.rounds)
            print(f"  {name}: {cells} cells, {os.path.getsize(page):,} bytes ({os.path.getsize(page) / cells / 1024:.1f} KiB "
                  f"a cell); reports written in {written:.2f} s")
            print(f"    load event {figure(loads)}; rendered {figure(rendered)}; a filter word applied {figure(filtered)}")
            if browser.console_errors:
                print(f"    console errors: {browser.console_errors[:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
