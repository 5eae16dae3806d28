#!/usr/bin/env bash
# ONNX Runtime's row for `nerkit bench --onnx` (and --torch, once this has run):
#  1. installs onnxruntime-node from npm into .cache/onnx (ignored by git) with --ignore-scripts: the
#     npm tarball already carries the linux-x64 CPU binaries (bin/napi-v6/linux/x64/); its postinstall
#     script only downloads the CUDA execution provider from NuGet, which the CPU row does not use;
#  2. exports the reference's BERT token classifier (random bert-base weights, 9 labels) to ONNX with
#     Debian's torch (scripts/bench-setup.sh installs it): scripts/onnx/export_bert.py;
#  3. runs inference in Node and prints the reference script's JSON (scripts/onnx/bench_ort.js).
# Usage: scripts/bench-onnx.sh [--batch 32 --seq 64 --layers 12 ... (export shape)] [--threads 2 --warmup 2 --steps 5]
# Environment: ONNX_DIR (default .cache/onnx), ORT_VERSION (default 1.30.0).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${ONNX_DIR:-.cache/onnx}
version=${ORT_VERSION:-1.30.0}
export_args=() run_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads|--warmup|--steps) run_args+=("$1" "$2") ;;
    *) export_args+=("$1" "$2") ;;
  esac
  shift 2
done

mkdir -p "$dir"
[ -f "$dir/package.json" ] || printf '{"private": true}\n' > "$dir/package.json"
pkg="$dir/node_modules/onnxruntime-node/package.json"
if [ ! -f "$pkg" ] || [ "$(node -p 'require(process.argv[1]).version' "$(realpath "$pkg")")" != "$version" ]; then
  npm install --prefix "$dir" --ignore-scripts --no-audit --no-fund --save-exact "onnxruntime-node@$version"
fi
binding="$dir/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node"
[ "$(uname -sm)" != "Linux x86_64" ] || [ -f "$binding" ] || { echo "bench-onnx: $binding missing from the npm package" >&2; exit 1; }

/usr/bin/python3 scripts/onnx/export_bert.py --out "$dir" ${export_args[@]+"${export_args[@]}"}
node scripts/onnx/bench_ort.js --dir "$dir" ${run_args[@]+"${run_args[@]}"}
