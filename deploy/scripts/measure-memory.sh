#!/usr/bin/env bash
# Measures what one nerkit serve replica needs in memory for a model:
#   idle   resident set of `nerkit serve` once /readyz answers (model loaded)
#   short  peak resident set of `nerkit serve loadtest` (server and clients in
#          one process) sending the built-in short sentences
#   long   one micro-batch of 16 long paragraphs (several 512-token windows
#          each): the worst case, every engine call a full batch of 32
#          windows of 512 positions; also the live heap after it (the Go
#          runtime's view, which GOMEMLIMIT is compared with)
# Usage: deploy/scripts/measure-memory.sh MODEL_DIR [THREADS] [SECONDS]
# Needs: go, curl, GNU time (/usr/bin/time), and a CoNLL corpus for the long
# texts (testdata/data/factrueval2016/dev.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:?usage: $0 MODEL_DIR [THREADS] [SECONDS]}
threads=${2:-2}
secs=${3:-20}
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -trimpath -o "$work/nerkit" ./cmd/nerkit

# Long texts: 25 sentences of FactRuEval dev per line (~3,000 characters,
# several windows of 512 sub-tokens).
awk 'NF==0 { if (s != "") { n++; line = line " " s; s = "" } if (n == 25) { print substr(line, 2); line = ""; n = 0 } next }
     { s = (s == "" ? $1 : s " " $1) }' testdata/data/factrueval2016/dev.txt > "$work/long.txt"

port=$((20000 + RANDOM % 20000))
"$work/nerkit" serve --model "$model" --addr "127.0.0.1:$port" --threads "$threads" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.2
done
idle=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
kill -TERM "$pid"; wait "$pid" || true; pid=

peak() { # label, loadtest flags...
  local label=$1; shift
  /usr/bin/time -f '%M' -o "$work/time.txt" "$work/nerkit" serve loadtest --model "$model" \
    --threads "$threads" "$@" >"$work/$label.md"
  echo "$(cat "$work/time.txt")"
}
short=$(peak short --clients 32 --duration "${secs}s")
long=$(peak long --texts "$work/long.txt" --clients 16 --max-requests 16 --duration 1h --timeout 1h)
heap=$(tail -n 1 "$work/long.md" | awk -F'|' '{print $(NF-1)}' | sed 's/.*→//; s/ //g')

mib() { echo $(( ($1 + 1023) / 1024 )); }
echo "| model | threads | weights on disk | idle RSS | peak RSS, short texts | peak RSS, full 32×512 batches | live heap after them |"
echo "|---|--:|--:|--:|--:|--:|--:|"
echo "| $model | $threads | $(du -sm "$model" | cut -f1) MiB | $(mib "$idle") MiB | $(mib "$short") MiB | $(mib "$long") MiB | $heap |"
echo
echo "loadtest rows (short, long):"
tail -n 1 "$work/short.md"
tail -n 1 "$work/long.md"
