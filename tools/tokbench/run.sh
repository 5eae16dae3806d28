#!/usr/bin/env bash
# Single-threaded tokens/s of nerkit's tokenizers and of Hugging Face tokenizers
# (Rust core, npm tokenizers@0.23.2) on the FactRuEval train sentences, and
# their ratios, for each family: WordPiece (mBERT), byte-level BPE (RoBERTa's
# GPT-2 merges, add_prefix_space as pre-split words need) and Unigram (XLM-R's
# configuration). usage: tools/tokbench/run.sh [seconds per mode, default 3] [family ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-3}
shift || true
families=("$@")
[ ${#families[@]} -gt 0 ] || families=(wordpiece bpe unigram)
data=$root/testdata/data/factrueval2016/train.txt

cd "$here"
if [ -f package-lock.json ]; then npm ci --silent; else npm install --silent; fi
(cd "$root" && go build -o "$here/tokbench.bin" ./tools/tokbench)

out=$(mktemp)
trap 'rm -f "$out" "$here/tokbench.bin"' EXIT
for family in "${families[@]}"; do
  flags=()
  case $family in
    wordpiece) tok=$root/testdata/data/mbert-vocab/tokenizer.json ;;
    bpe) tok=$root/testdata/goldens/encoders/roberta-bpe/tokenizer.json; flags=(--add-prefix-space) ;;
    unigram) tok=$root/testdata/goldens/encoders/xlmr-unigram/tokenizer.json ;;
    *) echo "unknown family $family" >&2; exit 2 ;;
  esac
  : > "$out"
  echo "== $family ($tok)"
  gflags=()
  [ ${#flags[@]} -eq 0 ] || gflags=(-add-prefix-space)
  GOMAXPROCS=1 "$here/tokbench.bin" "${gflags[@]}" "$tok" "$data" "$secs" | tee -a "$out"
  RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false node "$here/bench.js" "${flags[@]}" "$tok" "$data" "$secs" | tee -a "$out"
  echo
  awk '
    {
      for (i = 3; i <= NF; i++) { split($i, kv, "="); v[$1 " " $2 " " kv[1]] = kv[2] }
    }
    function ratio(g, h, unit) { return v["go " g " tokens_per_" unit] / v["hf " h " tokens_per_" unit] }
    END {
      if (v["go words_per_sentence tokens"] != v["hf words_per_sentence tokens"]) {
        print "token counts differ: go " v["go words_per_sentence tokens"] ", hf " v["hf words_per_sentence tokens"]; exit 1
      }
      if (v["go text_per_sentence tokens"] != v["hf text_per_sentence tokens"]) {
        print "token counts differ: go " v["go text_per_sentence tokens"] ", hf " v["hf text_per_sentence tokens"]; exit 1
      }
      printf "%-46s %8s %8s\n", "ratio (nerkit / HF tokens per second)", "cpu", "wall"
      printf "%-46s %7.1fx %7.1fx\n", "words, per sentence / HF per sentence", ratio("words_per_sentence", "words_per_sentence", "cpu_s"), ratio("words_per_sentence", "words_per_sentence", "wall_s")
      printf "%-46s %7.1fx %7.1fx\n", "words, per sentence / HF one batch", ratio("words_per_sentence", "words_one_batch", "cpu_s"), ratio("words_per_sentence", "words_one_batch", "wall_s")
      printf "%-46s %7.1fx %7.1fx\n", "text, per sentence / HF per sentence", ratio("text_per_sentence", "text_per_sentence", "cpu_s"), ratio("text_per_sentence", "text_per_sentence", "wall_s")
      printf "%-46s %7.1fx %7.1fx\n", "text, per sentence / HF one batch", ratio("text_per_sentence", "text_one_batch", "cpu_s"), ratio("text_per_sentence", "text_one_batch", "wall_s")
    }' "$out"
  echo
done
