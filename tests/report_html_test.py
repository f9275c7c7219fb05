#!/usr/bin/env python3
"""The HTML reports of real runs, loaded in a real browser (Debian's chromium, headless).

  report_html_test.py SHAKEDOWN SCENARIOS WORKDIR

1. `shakedown run SCENARIOS/field --target sim --out WORKDIR/field`; its report.html:
   - the page holds every cell of results.json, in the matrix and below it, each with its verdict
     and finding; the four field failures are open, each with its fix;
   - the ladder of the suite-mismatch cell is the ClientHello, then the server's TCP reset;
   - the filter works from the keyboard: "/" focuses it, typed words and a verdict box narrow both
     the matrix and the cells;
   - no console errors, and no request but the page itself.
2. The same for the whole catalogue (`shakedown run SCENARIOS`), whose page must stay under 3 MB;
   a matrix link followed with Enter opens its cell.
3. `shakedown explain` of a field cell's device log with --html: its finding, and every line it
   cites anchored in the quoted log.
4. `shakedown diff --html` of the field run against the catalogue's (they agree), and against a
   copy with one cell's finding changed by hand (a disagreement, listed first).
A screenshot of each page is kept in WORKDIR (its size printed). Exits 1 listing what failed;
prints "SKIPPED: no chromium" where chromium is not installed.
"""

import copy
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "browser"))
import chromium  # noqa: E402

MAX_PAGE_BYTES = 3 * 1024 * 1024
failures = []


def check(ok, what):
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)
    return ok


def run(args, timeout=900):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def verdict_class(cell):
    if cell["verdict"] == "unexpected":
        return "unexpected"
    if cell["verdict"] != "as-expected":
        return "infra"
    return "pass" if cell.get("result") == "pass" else "expected-fail"


def page_url(path):
    return "file://" + os.path.abspath(path)


def load_clean(browser, path, name, workdir):
    """Loads a page; checks it asks for nothing and logs no error; keeps its screenshot."""
    browser.load(page_url(path))
    check(browser.requests == [page_url(path)], f"{name}: no request but the page itself ({browser.requests[:3]})")
    check(not browser.console_errors, f"{name}: no console errors ({browser.console_errors[:3]})")
    shot = os.path.join(workdir, f"{name}.png")
    size = browser.screenshot(shot)
    print(f"     screenshot {shot}: {size:,} bytes")


def cells_in_page(browser):
    return browser.evaluate("""Array.from(document.querySelectorAll('section.cell')).map(s => ({
        verdict: s.dataset.verdict, summary: s.querySelector('summary').textContent,
        open: s.querySelector('details').open,
        fixes: Array.from(s.querySelectorAll('.fix')).map(f => f.textContent)}))""")


def check_every_cell(browser, results, name):
    cells = cells_in_page(browser)
    matrix = browser.evaluate("""Array.from(document.querySelectorAll('#matrix td.cell')).map(td => ({
        verdict: td.dataset.verdict, text: td.textContent}))""")
    check(len(cells) == len(results) and len(matrix) == len(results),
          f"{name}: {len(results)} cells in results.json, {len(cells)} below the matrix, {len(matrix)} in it")
    wrong = [r["scenario"] for r, c in zip(results, cells)
             if c["verdict"] != verdict_class(r) or (r.get("finding") or "") not in c["summary"]
             or r["scenario"] not in c["summary"]]
    check(not wrong, f"{name}: each cell shows its own verdict and finding ({wrong[:3]})")
    in_matrix = sorted((m["verdict"], m["text"]) for m in matrix)
    wanted = sorted((verdict_class(r), r.get("finding") or ("pass" if verdict_class(r) == "pass" else "infra"))
                    for r in results)
    check(in_matrix == wanted, f"{name}: the matrix holds each cell's verdict and finding")
    return cells


def shown_count(browser):
    return browser.evaluate("document.querySelectorAll('section.cell:not([hidden])').length")


def field_page(browser, shakedown, scenarios, workdir):
    out = os.path.join(workdir, "field")
    p = run([shakedown, "run", os.path.join(scenarios, "field"), "--target", "sim", "--out", out])
    if not check(p.returncode == 0, f"field run exits 0 ({p.returncode}: {p.stderr[-300:]})"):
        return None
    check(f"report: {out}/report.html" in p.stdout, "the run prints where its report is")
    results = json.load(open(os.path.join(out, "results.json")))["results"]
    load_clean(browser, os.path.join(out, "report.html"), "field-report", workdir)
    cells = check_every_cell(browser, results, "field")
    failing = [c for r, c in zip(results, cells) if r.get("result") == "fail"]
    check(len(failing) == 8 and all(c["open"] and any("MBEDTLS_" in f for f in c["fixes"]) for c in failing),
          f"field: the {len(failing)} failing cells (four failures, two lines) are open with a config fix")
    ladder = browser.evaluate("""(() => {
        const s = Array.from(document.querySelectorAll('section.cell')).find(s =>
            s.textContent.includes('field/01-suite-mismatch') && s.textContent.includes('field-2x'));
        return Array.from(s.querySelectorAll('svg.ladder g[data-what]')).map(g =>
            g.dataset.what + ' from ' + g.dataset.from); })()""")
    check(ladder == ["ClientHello from device", "reset from server"],
          f"field: the suite-mismatch ladder is the ClientHello, then the server's reset ({ladder})")
    # The filter, from the keyboard.
    browser.evaluate("document.activeElement.blur()")
    browser.press("/")
    check(browser.evaluate("document.activeElement.id") == "filter-text", "'/' focuses the filter")
    browser.type_text("rsa4096")
    rsa = sum(1 for r in results if "rsa4096" in r["scenario"])
    check(shown_count(browser) == rsa, f"typing 'rsa4096' shows its {rsa} cells ({shown_count(browser)})")
    browser.evaluate("document.querySelector('input.filter-verdict[value=pass]').focus()")
    browser.press(" ")
    rsa_failing = sum(1 for r in results if "rsa4096" in r["scenario"] and r.get("result") == "fail")
    check(shown_count(browser) == rsa_failing,
          f"space on 'as expected: passes' leaves its {rsa_failing} failing cells ({shown_count(browser)})")
    rows = browser.evaluate("document.querySelectorAll('#matrix tbody tr:not([hidden])').length")
    check(rows == 1, f"the matrix keeps the one scenario row that matches ({rows})")
    check(not browser.console_errors, f"field: no console errors while filtering ({browser.console_errors[:3]})")
    return out, results


def suite_page(browser, shakedown, scenarios, workdir):
    out = os.path.join(workdir, "suite")
    p = run([shakedown, "run", scenarios, "--target", "sim", "--out", out, "-j", "2"])
    check(p.returncode in (0, 1), f"catalogue run finishes ({p.returncode}: {p.stderr[-300:]})")
    document = json.load(open(os.path.join(out, "results.json")))
    results = document["results"]
    page = os.path.join(out, "report.html")
    size = os.path.getsize(page)
    check(len(results) >= 230 and size < MAX_PAGE_BYTES,
          f"catalogue: {len(results)} cells in a page of {size:,} bytes (under {MAX_PAGE_BYTES:,})")
    load_clean(browser, page, "suite-report", workdir)
    check_every_cell(browser, results, "catalogue")
    status = browser.evaluate("document.getElementById('run').dataset.exitStatus")
    check(status == str(p.returncode), f"the header gives the run's exit status ({status}, the run {p.returncode})")
    # A closed cell, reached from the matrix with the keyboard.
    index = next(i for i, r in enumerate(results) if r.get("result") == "fail")
    browser.evaluate(f"document.querySelector('#matrix a[href=\"#c{index}\"]').focus()")
    browser.press("Enter")
    opened = browser.evaluate_until(f"[location.hash, document.querySelector('#c{index} details').open, "
                                    f"document.querySelectorAll('#c{index} table.hello').length]",
                                    [f"#c{index}", True, 1])
    check(opened == [f"#c{index}", True, 1], f"Enter on a matrix link opens its cell with its ClientHello ({opened})")
    return out


def explain_page(browser, shakedown, field_out, results, workdir):
    cell = next(r for r in results if r["scenario"].endswith("04-chain-exceeds-record-buffer") and r["result"] == "fail")
    html = os.path.join(workdir, "explain.html")
    p = run([shakedown, "explain", os.path.join(cell["artifacts"], "device.log"), "--html", html])
    check(p.returncode == 0 and os.path.exists(html), f"explain --html writes its page ({p.returncode}: {p.stderr[-200:]})")
    load_clean(browser, html, "explain", workdir)
    seen = browser.evaluate("""[Array.from(document.querySelectorAll('.finding[data-finding]')).map(f => f.dataset.finding),
        Array.from(document.querySelectorAll('a.ln')).filter(a => !document.getElementById(a.hash.slice(1))).length,
        document.querySelectorAll('a.ln').length]""")
    check(cell["finding"] in seen[0], f"explain: the run's finding {cell['finding']} is on the page ({seen[0]})")
    check(seen[2] > 0 and seen[1] == 0, f"explain: each of the {seen[2]} cited lines is anchored in the log")


def diff_pages(browser, shakedown, field_out, suite_out, workdir):
    a = os.path.join(field_out, "results.json")
    html = os.path.join(workdir, "diff.html")
    p = run([shakedown, "diff", a, os.path.join(suite_out, "results.json"), "--html", html])
    load_clean(browser, html, "diff-agree", workdir)
    agree = browser.evaluate("document.getElementById('diff').dataset.agree")
    # The catalogue holds more cells than the field folder: those are "only in" one run, so not all agree.
    check(os.path.exists(html) and agree == ("yes" if p.returncode == 0 else "no"),
          f"diff --html: the page's outcome is the command's (exit {p.returncode}, agree={agree})")
    document = json.load(open(a))
    changed = copy.deepcopy(document)
    cell = next(c for c in changed["results"] if c.get("finding"))
    cell["finding"] = "no-shared-group"  # by hand: a second run that disagrees
    b = os.path.join(workdir, "field-edited.json")
    json.dump(changed, open(b, "w"))
    html = os.path.join(workdir, "diff-disagree.html")
    p = run([shakedown, "diff", a, b, "--html", html])
    load_clean(browser, html, "diff-disagree", workdir)
    order = browser.evaluate("Array.from(document.querySelectorAll('section[id]')).map(s => s.id + '=' + s.dataset.count)")
    check(p.returncode == 1 and order and order[0] == "disagreements=1",
          f"diff --html: the one disagreement comes first (exit {p.returncode}, {order})")


def main():
    shakedown, scenarios, workdir = sys.argv[1:4]
    if not os.path.exists(chromium.CHROMIUM):
        print("SKIPPED: no chromium (apt-get install chromium python3-websocket)")
        return 0
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    with chromium.Chromium(os.path.join(workdir, "browser"), timeout=60) as browser:
        field = field_page(browser, shakedown, scenarios, workdir)
        suite_out = suite_page(browser, shakedown, scenarios, workdir)
        if field:
            explain_page(browser, shakedown, field[0], field[1], workdir)
            diff_pages(browser, shakedown, field[0], suite_out, workdir)
    if failures:
        print(f"\n{len(failures)} checks failed:\n  " + "\n  ".join(failures))
        return 1
    print("\nevery check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
