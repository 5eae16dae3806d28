#!/usr/bin/env bash
# Makes the fixture for check_transformers.py: trains a small scratch model with mBERT's vocabulary
# for a few steps (the weights only need to be non-trivial), then records nerkit's tokenization and
# per-word label distributions for sentences of the FactRuEval dev file.
# Usage: scripts/interop/make_fixture.sh OUT_DIR   (writes OUT_DIR/model and OUT_DIR/fixture)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?output dir}
rm -rf "$out"; mkdir -p "$out/fixture"
go build -o "$out/nerkit" ./cmd/nerkit
"$out/nerkit" train --model scratch:tiny --max-steps 40 --epochs 1 --out "$out/run" >/dev/null
cp -r "$out/run/model" "$out/model"
head -c 200000 testdata/data/factrueval2016/dev.txt | awk 'BEGIN{RS="";ORS="\n\n"} NR<=60' > "$out/fixture/dev.conll"
"$out/nerkit" predict --model "$out/model" --input "$out/fixture/dev.conll" --conll --format jsonl --probs > "$out/fixture/pred.jsonl"
python3 - "$out/fixture" <<'PY'
import json, sys
d = sys.argv[1]
with open(f"{d}/pred.jsonl") as f, open(f"{d}/words.jsonl", "w") as w, open(f"{d}/probs.jsonl", "w") as p:
    for line in f:
        o = json.loads(line)
        w.write(json.dumps(o["words"], ensure_ascii=False) + "\n")
        p.write(json.dumps(o["probs"]) + "\n")
PY
"$out/nerkit" tokenize --tokenizer "$out/model" --words < "$out/fixture/words.jsonl" > "$out/fixture/tokens.jsonl"
rm -f "$out/nerkit"; rm -rf "$out/run"
echo "fixture written to $out"
