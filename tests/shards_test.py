#!/usr/bin/env python3
"""A run split in shards and merged is the unsharded run, and `shakedown merge` refuses what does not belong together.

  shards_test.py SHAKEDOWN REPO WORKDIR

1. `ci/shards 4` (the whole catalogue, `scenarios --target sim`, four shards at once) into
   WORKDIR/shards, and one unsharded `shakedown run scenarios --target sim -j 2` into WORKDIR/whole:
   the merged results hold the same cells in the same (the plan's) order, each with the same
   verdict, result and finding, the same summary counts and plan, and merge exits as the run did;
   junit.xml has a testcase per cell.
2. Refusals, each exit 3 with one line naming the field: a shard merged with itself; shards of
   different plans (a shard of scenarios/field with one of scenarios); a shard missing (the
   message says how many cells). With --allow-missing the same merge exits 2 and counts them.
3. docs/ci.md: each ```yaml block parses, and its shard and merge commands are the ones
   ci/shards runs (the same subcommands, arguments and flags; -j aside).
Every child runs under `timeout`. Exits 1 listing what failed.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import yaml

failures = []
RUN_TIMEOUT = 300  # seconds, for each shakedown run or ci/shards


def check(ok, what):
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)
    return ok


def run(args, timeout=RUN_TIMEOUT, **kwargs):
    """`args` under timeout(1), which signals the whole process group (ci/shards' shards too)."""
    return subprocess.run(["timeout", "-k", "10", str(timeout)] + args, capture_output=True, text=True,
                          timeout=timeout + 30, **kwargs)


def load(path):
    with open(path) as f:
        return json.load(f)


def cell_id(cell):
    return f"{cell['scenario']}/{cell['mbedtls_line']}/{cell['profile']}"


def judged(cell):
    return (cell.get("verdict"), cell.get("result"), cell.get("finding"))


# Flags of `shakedown run` and `merge` that take a value.
VALUED = {"--target", "--shard", "--out", "-j", "--jobs", "--pki-cache", "--filter", "--mbedtls", "--config"}


def command_shape(words):
    """(subcommand, positional arguments, {flag: value}) of a `shakedown ...` command's words."""
    sub, rest = words[1], words[2:]
    positional, flags, i = [], {}, 0
    while i < len(rest):
        w = rest[i]
        if w.startswith("-"):
            flags[w] = rest[i + 1] if w in VALUED and i + 1 < len(rest) else None
            i += 2 if w in VALUED else 1
        else:
            positional.append(w)
            i += 1
    flags.pop("-j", None)
    flags.pop("--jobs", None)
    return sub, positional, flags


def main():
    shakedown, repo, work = (os.path.abspath(a) for a in sys.argv[1:4])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, SHAKEDOWN_BIN=shakedown, SHAKEDOWN_SHARDS_DIR=os.path.join(work, "shards"))

    # 1. ci/shards 4 and the unsharded run.
    sharded = run([os.path.join(repo, "ci", "shards"), "4"], env=env, cwd=repo)
    print(sharded.stdout, end="")
    if sharded.stderr:
        print(sharded.stderr, end="", file=sys.stderr)
    whole_dir = os.path.join(work, "whole")
    whole = run([shakedown, "run", "scenarios", "--target", "sim", "--out", whole_dir, "-j", "2"], cwd=repo)
    totals = re.findall(r"^\d+ cells: .*$", whole.stdout, re.M)
    print(f"unsharded run: {totals[-1] if totals else whole.stderr.strip()[-300:]}")
    check(whole.returncode in (0, 1, 2), f"the unsharded run gives verdicts (exit {whole.returncode})")
    check(sharded.returncode == whole.returncode,
          f"ci/shards 4 exits as the unsharded run does ({sharded.returncode}, {whole.returncode})")
    merged_dir = os.path.join(work, "shards", "merged")
    if not check(os.path.exists(os.path.join(merged_dir, "results.json")), "ci/shards wrote merged/results.json"):
        return
    merged, unsharded = load(os.path.join(merged_dir, "results.json")), load(os.path.join(whole_dir, "results.json"))
    m_ids = [cell_id(c) for c in merged["results"]]
    w_ids = [cell_id(c) for c in unsharded["results"]]
    check(len(m_ids) == len(set(m_ids)), f"the merged run holds each cell once ({len(m_ids)} cells)")
    check(set(m_ids) == set(w_ids), f"the merged and unsharded runs hold the same cells ({len(set(m_ids))}, "
          f"{len(set(w_ids))}; only merged: {sorted(set(m_ids) - set(w_ids))[:3]}, "
          f"only unsharded: {sorted(set(w_ids) - set(m_ids))[:3]})")
    check(m_ids == w_ids, "the merged cells are in the unsharded run's (the plan's) order")
    w_by_id = {cell_id(c): c for c in unsharded["results"]}
    differ = [f"{cell_id(c)}: {judged(c)} vs {judged(w_by_id[cell_id(c)])}" for c in merged["results"]
              if cell_id(c) in w_by_id and judged(c) != judged(w_by_id[cell_id(c)])]
    check(not differ, f"each cell has the same verdict, result and finding in both ({len(differ)} differ: "
          f"{differ[:3]})")
    ms, ws = merged["summary"], unsharded["summary"]
    for field in ("cells", "as_expected", "unexpected", "infrastructure_errors", "exit_status"):
        check(ms.get(field) == ws.get(field), f"summary.{field}: merged {ms.get(field)}, unsharded {ws.get(field)}")
    check(ms.get("plan") == ws.get("plan"), f"the shards' plan is the unsharded run's ({ms.get('plan')})")
    check(ms.get("missing") == 0 and "shard" not in ms and len(ms.get("merged_from", [])) == 4,
          "the merged summary: no cell missing, no shard, merged from 4 files")
    check(ms.get("shakedown") == ws.get("shakedown") and ms.get("shakedown"),
          f"the merged summary names the build ({ms.get('shakedown')})")
    shard_ids = []
    for k in range(1, 5):
        s = load(os.path.join(work, "shards", str(k), "results.json"))
        shard_ids += [cell_id(c) for c in s["results"]]
        check(s["summary"].get("shard") == f"{k}/4" and s["summary"]["plan"]["ids"] == w_ids,
              f"shard {k}/4's summary says so, and lists the plan's ids in order")
    check(sorted(shard_ids) == sorted(w_ids), "the four shards are disjoint and cover the plan")
    testcases = ET.parse(os.path.join(merged_dir, "junit.xml")).getroot().iter("testcase")
    check(sum(1 for _ in testcases) == len(w_ids), "the merged junit.xml has a testcase per cell")
    page = open(os.path.join(merged_dir, "report.html"), encoding="utf-8").read()
    check(page.count('<section class="cell') == len(w_ids) and "<dt>merged from</dt><dd>4 shards" in page,
          "the merged report.html holds every cell and names the 4 shards it was merged from")
    check(os.path.getsize(os.path.join(merged_dir, "report.html")) > 0, "the merged report.html is there")

    # 2. Refusals.
    shard = [os.path.join(work, "shards", str(k), "results.json") for k in range(1, 5)]
    out = os.path.join(work, "refused")

    def refusal(args, expect, what):
        r = run([shakedown, "merge"] + args + ["--out", out])
        message = r.stderr.strip()
        check(r.returncode == 3 and expect in message and len(message.splitlines()) == 1,
              f"{what}: exit {r.returncode}, {message!r}")
        return r

    refusal([shard[0], shard[0]], "summary.shard: both are shard 1/4 (the same shard twice)", "a shard with itself")
    field = run([shakedown, "run", "scenarios/field", "--target", "sim", "--shard", "2/4", "-j", "1",
                 "--out", os.path.join(work, "field-2")], cwd=repo)
    check(field.returncode == 0, f"a shard of scenarios/field runs (exit {field.returncode})")
    refusal([shard[0], os.path.join(work, "field-2", "results.json")], "summary.plan: shards of different plans",
            "shards of scenarios and of scenarios/field")
    third = len(load(shard[2])["results"])
    refusal([shard[0], shard[1], shard[3]],
            f"summary.plan: {third} of {len(w_ids)} planned cells are missing (shard 3/4 not given",
            "shard 3/4 missing")
    allowed_dir = os.path.join(work, "allowed")
    allowed = run([shakedown, "merge", shard[0], shard[1], shard[3], "--out", allowed_dir, "--allow-missing"])
    summary = load(os.path.join(allowed_dir, "results.json"))["summary"] if allowed.returncode != 3 else {}
    check(allowed.returncode == 2 and summary.get("missing") == third and
          summary.get("cells") == len(w_ids) - third and summary.get("exit_status") == 2,
          f"with --allow-missing: exit {allowed.returncode}, {summary.get('missing')} missing of "
          f"{summary.get('plan', {}).get('cells')}, {summary.get('cells')} cells")
    skipped = sum(1 for _ in ET.parse(os.path.join(allowed_dir, "junit.xml")).getroot().iter("skipped")) \
        if allowed.returncode != 3 else -1
    check(skipped == third, f"with --allow-missing, junit.xml skips the {third} missing cells ({skipped})")

    # 3. The pipelines docs/ci.md shows run what ci/shards runs.
    ran = re.search(r"^ci/shards: running, for K = 1\.\.4: (.*)$", sharded.stdout, re.M)
    merging = re.search(r"^ci/shards: merging: (.*)$", sharded.stdout, re.M)
    if not check(ran and merging, "ci/shards says which commands it runs"):
        return
    script_run = command_shape(shlex.split(ran.group(1)))
    script_merge = command_shape(shlex.split(merging.group(1)))
    with open(os.path.join(repo, "docs", "ci.md")) as f:
        blocks = re.findall(r"^```yaml\n(.*?)^```", f.read(), re.M | re.S)
    check(len(blocks) >= 2, f"docs/ci.md has yaml blocks for GitHub Actions and GitLab CI ({len(blocks)})")
    for n, block in enumerate(blocks, 1):
        try:
            doc = yaml.safe_load(block)
        except yaml.YAMLError as e:
            check(False, f"docs/ci.md yaml block {n} parses: {e}")
            continue
        check(isinstance(doc, dict), f"docs/ci.md yaml block {n} parses")
        commands = []

        def walk(node):
            if isinstance(node, dict):
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
            elif isinstance(node, str):
                for line in node.splitlines():
                    line = re.sub(r"\$\{\{\s*[^}]*?\s*\}\}", "K", line).split("||")[0].split(" #")[0]
                    if re.match(r"\s*build/bin/shakedown (run|merge) ", line):
                        commands.append(command_shape(shlex.split(line)))

        walk(doc)
        runs = [c for c in commands if c[0] == "run"]
        merges = [c for c in commands if c[0] == "merge"]
        check(len(runs) == 1 and len(merges) == 1, f"block {n}: one shard command and one merge command")
        for c in runs:
            check(c[1] == script_run[1] and set(c[2]) == set(script_run[2]) and
                  c[2].get("--target") == script_run[2].get("--target") and
                  re.fullmatch(r"\S+/\S+", c[2].get("--shard") or ""),
                  f"block {n}: the shard command {c} is ci/shards' {script_run}")
        for c in merges:
            check(set(c[2]) == set(script_merge[2]) and c[1] and all(p.endswith("/results.json") for p in c[1]),
                  f"block {n}: the merge command {c} is ci/shards' {script_merge}")


if __name__ == "__main__":
    main()
    if failures:
        print(f"\n{len(failures)} checks failed:")
        for f in failures:
            print(f"  {f}")
        sys.exit(1)
    print("\nall checks passed")
