#!/usr/bin/env bash
# SIGKILL of `shakedown run --out DIR` at a random moment, N times. After
# each: no process of the run is left (its whole session), nor a listening
# socket of one, nor a temporary file outside DIR; `shakedown report DIR`
# rebuilds a valid results.json, junit.xml and report.html holding every
# cell the journal finished (junit.xml skips the cells not run) and leaves no
# temporary file in DIR either.
#
#   sigkill_test.sh SHAKEDOWN SCENARIOS PKI_CACHE WORK [N]
#
# N: $SHAKEDOWN_SIGKILL_RUNS, else the argument, else 20. Each run is killed
# after a random 0.3 to 8 s ($SHAKEDOWN_SIGKILL_SEED seeds the choice).
set -euo pipefail

shakedown=$1 scenarios=$2 pki_cache=$3 work=$4
runs=${SHAKEDOWN_SIGKILL_RUNS:-${5:-20}}
RANDOM=${SHAKEDOWN_SIGKILL_SEED:-$$}
# Servers played by shakedown and by openssl s_server, silent and slow ones.
suites=("$scenarios/cross-check" "$scenarios/misbehaving-servers" "$scenarios/field" "$scenarios/certificates")

fail() {
  echo "FAIL (run $i, killed after ${delay}s): $*" >&2
  exit 1
}

rm -rf "$work"
mkdir -p "$work"
for i in $(seq 1 "$runs"); do
  out=$work/out-$i tmp=$work/tmp-$i
  mkdir -p "$tmp"
  tenths=$((3 + RANDOM % 78))
  delay=$((tenths / 10)).$((tenths % 10))
  # setsid: the run leads a session of its own, so everything it started
  # (each child is in a process group of its own, in that session) is found.
  TMPDIR=$tmp setsid "$shakedown" run "${suites[@]}" --target sim -j 2 --pki-cache "$pki_cache" --out "$out" \
    >"$work/run-$i.log" 2>&1 &
  pid=$!
  sleep "$delay"
  members=$(pgrep -s "$pid" | paste -sd'|' || true)
  # What the run had started when it was killed: "9 shakedown-sim, 1 openssl".
  started=$(pgrep -s "$pid" -a | awk -v self="$pid" '$1 != self {n = split($2, p, "/"); sub(/-[0-9.]+-.*/, "", p[n]); print p[n]}' |
    sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep = ", "}')
  kill -KILL "$pid" 2>/dev/null || fail "the run had ended before it was killed (make the suites longer)"
  wait "$pid" 2>/dev/null || true

  # The kernel kills the run's children as it dies; give it a moment.
  for _ in $(seq 50); do
    pgrep -s "$pid" >/dev/null || break
    sleep 0.1
  done
  left=$(pgrep -a -s "$pid" || true)
  [[ -z $left ]] || fail "processes of the run are left: $left"
  if [[ -n $members ]] && ss -ltnpH | grep -E "pid=($members)," >/dev/null; then
    fail "listening sockets of the run are left: $(ss -ltnpH | grep -E "pid=($members),")"
  fi
  [[ -z $(ls -A "$tmp") ]] || fail "temporary files outside --out: $(ls -A "$tmp")"
  [[ -f $out/journal.jsonl ]] || fail "no journal in $out (see $work/run-$i.log)"

  rc=0
  "$shakedown" report "$out" >"$work/report-$i.log" 2>&1 || rc=$?
  [[ $rc -le 2 ]] || fail "shakedown report exited $rc: $(cat "$work/report-$i.log")"
  [[ ! -e $out/tmp ]] || fail "shakedown report left the run's temporary folder $out/tmp"
  [[ -z $(find "$out" -maxdepth 1 -name '*.tmp') ]] || fail "half-written reports left in $out"

  summary=$(python3 - "$out" <<'EOF'
import json, sys, xml.etree.ElementTree as ET
out = sys.argv[1]
planned, finished, ended = [], [], None
with open(f"{out}/journal.jsonl", "rb") as journal:
    for raw in journal:
        if not raw.endswith(b"\n"):
            continue  # cut short by the kill: report ignores it
        entry = json.loads(raw)
        if "plan" in entry:
            planned = entry["plan"]["cells"]
        elif "cell" in entry:
            finished.append(entry["cell"])
        elif "end" in entry:
            ended = entry["end"]
results = json.load(open(f"{out}/results.json"))
def key(cell):
    return json.dumps(cell, sort_keys=True)
assert sorted(map(key, results["results"])) == sorted(map(key, finished)), \
    "results.json does not hold exactly the journal's finished cells"
order = [(c["scenario"], c["mbedtls_line"], c["profile"]) for c in planned]
at = [order.index((c["scenario"], c["mbedtls_line"], c["profile"])) for c in results["results"]]
assert at == sorted(at), "results.json does not list the cells in plan order"
assert results["summary"]["cells"] == len(finished)
assert results["summary"]["interrupted"] is (ended is None or ended["interrupted"])
root = ET.parse(f"{out}/junit.xml").getroot()
cases = root.findall("./testsuite/testcase")
assert len(cases) == len(planned), f"{len(cases)} testcases for {len(planned)} planned cells"
skipped = [c for c in cases if c.find("skipped") is not None]
assert len(skipped) == len(planned) - len(finished), f"{len(skipped)} skipped, {len(planned) - len(finished)} not run"
names = {(c.get("classname"), c.get("name")) for c in cases if c.find("skipped") is None}
for cell in finished:
    folder, _, stem = cell["scenario"].rpartition("/")
    key = (f"{cell['target']}.{folder}.{stem}", f"Mbed TLS {cell['mbedtls_line']} {cell['profile']}")
    assert key in names, f"no testcase for {key}"
page = open(f"{out}/report.html", encoding="utf-8").read()
assert page.count('<section class="cell') == len(finished), "report.html does not hold every finished cell"
print(f"{len(finished)} of {len(planned)} cells finished")
EOF
  ) || fail "the rebuilt reports do not match the journal (see $out)"
  ignored=$(grep -c "ignored" "$work/report-$i.log" || true)
  echo "run $i: killed after ${delay}s with ${started:-no child} running; $summary; report exit $rc" \
    "($ignored journal line cut short); no process, socket or temporary file left"
done
echo "PASS: $runs runs killed, every report rebuilt, nothing left"
