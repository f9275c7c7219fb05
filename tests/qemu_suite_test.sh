#!/usr/bin/env bash
# Every scenario on the firmware under QEMU (one emulated board at a time, so
# its guest clock is not starved of CPU), both Mbed TLS lines, compared
# cell by cell with the simulator: the run must be as expected and
# `shakedown diff` must find no disagreement (verdict, result, finding).
# Then `shakedown explain` reads the firmware's device logs like the
# simulator's (tests/explain_corpus_test.py).
#   qemu_suite_test.sh <bin dir> <repo> <pki cache> <out dir>
set -euo pipefail
bin=$1 repo=$2 pki=$3 out=$4
if ! command -v qemu-system-arm >/dev/null; then
  echo "SKIPPED: qemu-system-arm is not installed"
  exit 0
fi
rm -rf "$out" && mkdir -p "$out"
"$bin/shakedown" run "$repo/scenarios" --target sim --pki-cache "$pki" --json "$out/sim.json" > "$out/sim.txt"
run_qemu() {
  "$bin/shakedown" run "$repo/scenarios" --target qemu -j 1 --pki-cache "$pki" --out "$out/qemu" > "$out/qemu.txt"
}
if ! run_qemu; then
  # A guard against an intermittent fault (issue 6): read timeouts in 1 to 6
  # cells of a run while idle guests spun and starved the busy one of CPU.
  # Not seen since idle guests sleep (WFI); if it comes back, the first
  # run's unexpected cells are kept and printed as FLAKY, and one rerun decides.
  grep -E "UNEXPECTED|INFRA|cells:" "$out/qemu.txt" | sed 's/^/FLAKY? first run: /' || true
  mv "$out/qemu" "$out/qemu-first-run"
  run_qemu || {
    status=$?
    grep -E "UNEXPECTED|INFRA|cells:" "$out/qemu.txt" || true
    exit $status
  }
  echo "FLAKY: the first QEMU run had unexpected cells (above, kept in $out/qemu-first-run); the rerun is clean"
fi
tail -1 "$out/qemu.txt"
"$bin/shakedown" diff "$out/sim.json" "$out/qemu/results.json" > "$out/diff.txt" || {
  cat "$out/diff.txt"
  exit 1
}
grep -E "cells compared|disagreements" "$out/diff.txt"
python3 "$repo/tests/explain_corpus_test.py" "$bin/shakedown" "$repo/scenarios" "$out/explain" \
  --run-dir "$out/qemu" --no-reproducers --min-primary 195
