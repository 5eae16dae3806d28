#!/usr/bin/env bash
# Runs the embedded default (`nerkit train`, no data flags) once per line of
# a settings file, several runs side by side with one thread each, and
# prints each run's best dev F1 and test F1. Used to choose the scratch
# presets' defaults over several seeds (BENCHMARKS.md, "Choosing the
# scratch:small defaults").
#
#   scripts/preset-sweep.sh SETTINGS OUTDIR [PARALLEL] [NERKIT]
#
# SETTINGS: one run per line, "name flags…" (e.g. "drop2-s1 --dropout 0.2
# --seed 1"); blank lines and # comments are skipped.
set -euo pipefail
command -v jq >/dev/null || { echo "preset-sweep.sh needs jq for its table (apt-get install -y jq)" >&2; exit 1; }
settings=$1 out=$2 parallel=${3:-$(nproc)} nerkit=${4:-./nerkit}
mkdir -p "$out"
grep -v '^\s*\(#\|$\)' "$settings" | while read -r name flags; do
	echo "$name $flags"
done | xargs -P "$parallel" -L 1 bash -c '
	name=$1; shift
	start=$(date +%s)
	'"$nerkit"' train --threads 1 --out "'"$out"'/$name" --overwrite "$@" >"'"$out"'/$name.log" 2>&1 || echo "$name failed" >&2
	echo "wall_seconds $(( $(date +%s) - start ))" >>"'"$out"'/$name.log"
' _
printf '%-28s %6s %6s %6s %s\n' run best dev test seconds
for m in "$out"/*/metrics.json; do
	[ -f "$m" ] || continue
	name=$(basename "$(dirname "$m")")
	read -r best dev test < <(jq -r '[.best_epoch, (.eval.dev.f1*100|.*100|round/100), (.eval.test.f1*100|.*100|round/100)] | @tsv' "$m")
	printf '%-28s %6s %6s %6s %s\n' "$name" "$best" "$dev" "$test" "$(awk '/^wall_seconds/{print $2}' "$out/$name.log")"
done
