#!/usr/bin/env bash
# Time per step against sequence length and batch size, nerkit and PyTorch side by side (BERT-base,
# 2 threads, 1 warm-up + 2 timed steps each: the long shapes take minutes per PyTorch step).
# Needs scripts/bench-setup.sh for PyTorch. Prints one JSON line per measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o /tmp/nerkit-bench ./cmd/nerkit
for seq in 32 64 128 256; do
  /tmp/nerkit-bench bench --json --torch --what train,infer --seq "$seq" --batch 16 --infer-batch 32 --warmup 1 --steps 2
done
for batch in 8 32; do
  /tmp/nerkit-bench bench --json --torch --what train,infer --seq 64 --batch "$batch" --infer-batch "$((batch*2))" --warmup 1 --steps 2
done
