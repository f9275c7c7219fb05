#!/usr/bin/env bash
# Every scenario on the firmware under QEMU (one emulated board at a time, so
# its guest clock is not starved of CPU), both Mbed TLS lines, compared
# cell by cell with the simulator: the run must be as expected and
# `shakedown diff` must find no disagreement (verdict, result, finding).
#   qemu_suite_test.sh <bin dir> <repo> <pki cache> <out dir>
set -euo pipefail
bin=$1 repo=$2 pki=$3 out=$4
if ! command -v qemu-system-arm >/dev/null; then
  echo "SKIPPED: qemu-system-arm is not installed"
  exit 0
fi
rm -rf "$out" && mkdir -p "$out"
"$bin/shakedown" run "$repo/scenarios" --target sim --pki-cache "$pki" --json "$out/sim.json" > "$out/sim.txt"
"$bin/shakedown" run "$repo/scenarios" --target qemu -j 1 --pki-cache "$pki" --out "$out/qemu" > "$out/qemu.txt" || {
  status=$?
  grep -E "UNEXPECTED|INFRA|cells:" "$out/qemu.txt" || true
  exit $status
}
tail -1 "$out/qemu.txt"
"$bin/shakedown" diff "$out/sim.json" "$out/qemu/results.json" > "$out/diff.txt" || {
  cat "$out/diff.txt"
  exit 1
}
grep -E "cells compared|disagreements" "$out/diff.txt"
