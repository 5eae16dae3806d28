#!/usr/bin/env bash
# nerkit, PyTorch (fp32 and bf16 autocast) and ONNX Runtime side by side on a shared machine:
# ROUNDS rounds of `nerkit bench --json --torch --what train,infer` (ONNX Runtime joins when
# scripts/bench-onnx.sh has exported the shape), each round started when the 1-minute load average
# has fallen below MAX_LOAD (or after WAIT_S seconds of waiting, noted in the log), every engine
# once per round so they share whatever load there is; then the table of the median rounds
# (`nerkit bench --summarize`). The raw JSON lines are kept in OUT.
# Needs scripts/bench-setup.sh (PyTorch) and, for ONNX Runtime, scripts/bench-onnx.sh.
# Usage: scripts/bench-side-by-side.sh [extra nerkit bench flags]
# Environment: ROUNDS (5), MAX_LOAD (3), WAIT_S (1200), OUT (/tmp/nerkit-side-by-side.jsonl), NERKIT.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5} max_load=${MAX_LOAD:-3} wait_s=${WAIT_S:-1200} out=${OUT:-/tmp/nerkit-side-by-side.jsonl}
nerkit=${NERKIT:-/tmp/nerkit-side-by-side}
[ -n "${NERKIT:-}" ] || go build -o "$nerkit" ./cmd/nerkit
: > "$out"
load() { cut -d' ' -f1 /proc/loadavg; }
for r in $(seq 1 "$rounds"); do
  waited=0
  while awk -v l="$(load)" -v m="$max_load" 'BEGIN { exit !(l >= m) }' && [ "$waited" -lt "$wait_s" ]; do
    sleep 15; waited=$((waited + 15))
  done
  echo "round $r: start $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg), waited ${waited}s" >&2
  "$nerkit" bench --json --torch --what train,infer "$@" >> "$out"
  echo "round $r: end   $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
"$nerkit" bench --summarize "$out" "$@"
