#!/usr/bin/env bash
# Throughput of nerkit-beam predict on Prism against nerkit predict: the same
# 20,000 FactRuEval sentences (train+dev+test repeated, as four text files),
# the same model, the same threads; runs alternate, N rounds (default 3).
#   beam/scripts/bench-predict.sh MODEL_DIR [ROUNDS]
# Prints wall and CPU seconds of every run and checks that both wrote the
# same records.
set -euo pipefail
cd "$(dirname "$0")/.."
model=$(realpath "$1")
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/nerkit-beam" ./cmd/nerkit-beam
(cd .. && CGO_ENABLED=0 go build -o "$work/nerkit" ./cmd/nerkit)
python3 - "$work" <<'PY'
import os, sys
src = "../testdata/data/factrueval2016/"
sents = []
for f in ["train.txt", "dev.txt", "test.txt"]:
    for b in open(src + f, encoding="utf-8").read().strip().split("\n\n"):
        words = [l.split()[0] for l in b.split("\n") if l.strip()]
        if words:
            sents.append(" ".join(words))
out = (sents * 5)[:20000]
os.makedirs(sys.argv[1] + "/corpus")
for i in range(4):
    with open(f"{sys.argv[1]}/corpus/part{i}.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(out[i * 5000:(i + 1) * 5000]) + "\n")
PY
cd "$work"
inputs=(--input corpus/part0.txt --input corpus/part1.txt --input corpus/part2.txt --input corpus/part3.txt)
for r in $(seq "$rounds"); do
  /usr/bin/time -f "round $r nerkit predict: wall %e s, CPU %U+%S s, max RSS %M KB" \
    ./nerkit predict --model "$model" --threads 2 "${inputs[@]}" > ref.jsonl
  rm -rf out
  /usr/bin/time -o time.txt -f "round $r nerkit-beam predict: wall %e s, CPU %U+%S s, max RSS %M KB" \
    ./nerkit-beam predict --model "$model" --threads 2 --input 'corpus/*.txt' --output out/tags 2> beam.log
  cat time.txt
  grep 'nerkit-beam predict: done' beam.log
done
# Same records: nerkit predict's lines, in input order, against the shards
# with their "id" ("corpus/partN.txt:LINE") taken off.
python3 - <<'PY'
import glob, json
ref = open("ref.jsonl", encoding="utf-8").read().splitlines()
ids = [f"corpus/part{i}.txt:{n}" for i in range(4) for n in range(1, 5001)]
got = {}
for f in glob.glob("out/tags-*.jsonl"):
    for line in open(f, encoding="utf-8"):
        line = line.rstrip("\n")
        i = line.index(',"text"')
        got[json.loads(line[6:i])] = "{" + line[i + 1:]
same = sum(got.get(k) == v for k, v in zip(ids, ref))
print(f"records: {len(got)} from nerkit-beam, {len(ref)} from nerkit predict, {same} identical")
PY
