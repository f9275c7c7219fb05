#!/usr/bin/env bash
# `shakedown run --target attached:PORT` against a simulator build started by
# hand: the cell of its build runs and gets its finding; a cell of another
# build is an infrastructure error naming both builds, never a result; a port
# nobody serves is an infrastructure error too.
#   attached_cli_test.sh SHAKEDOWN SIM_BUILD SCENARIOS WORK
set -euo pipefail
shakedown=$1 sim=$2 scenarios=$3 work=$4/attached
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$sim" --listen 127.0.0.1:0 --accept-timeout-ms 60000 > "$work/sim.out" 2> "$work/sim.err" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true; wait $sim_pid 2>/dev/null || true' EXIT
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/sim.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "the simulator never said where it listens: $(cat "$work/sim.err")"

set +e
timeout 120 "$shakedown" run "$scenarios/field/01-suite-mismatch.yaml" --target "attached:$port" \
  --filter '*/3.6/field-2x' --filter '*/3.6/field-fixed' -j 1 --json "$work/run.json" > "$work/run.out" 2>&1
rc=$?
set -e
cat "$work/run.out"
[ "$rc" -eq 2 ] || fail "expected exit 2 (one cell of another build), got $rc"
grep -q 'field/01-suite-mismatch  *attached  *3.6  *field-2x .*no-shared-ciphersuite' "$work/run.out" ||
  fail "the attached build's cell did not give its finding"
grep -q 'runs Mbed TLS 3.6 with profile field-2x, not the cell.s 3.6 with field-fixed' "$work/run.json" ||
  fail "the other build's cell is not an infrastructure error naming both builds"
grep -q '2 cells: 1 as expected, 0 unexpected, 1 infrastructure error' "$work/run.out" || fail "wrong totals"

kill $sim_pid 2>/dev/null || true
wait $sim_pid 2>/dev/null || true
set +e
timeout 60 "$shakedown" run "$scenarios/field/01-suite-mismatch.yaml" --target "attached:$port" \
  --filter '*/3.6/field-2x' > "$work/gone.out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "a port nobody serves: expected exit 2, got $rc: $(cat "$work/gone.out")"
echo "attached target: as expected"
