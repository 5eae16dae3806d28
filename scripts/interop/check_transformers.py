#!/usr/bin/env python3
"""Checks that a model saved by nerkit opens in Hugging Face transformers and gives the same
predictions: tokenization (ids per word) and, for every word, the softmax probability
distribution at its first sub-token must equal nerkit's.

Usage: python3 check_transformers.py MODEL_DIR FIXTURE_DIR
FIXTURE_DIR holds what scripts/interop/make_fixture.sh wrote with nerkit:
  words.jsonl      one JSON array of words per line
  tokens.jsonl     nerkit tokenize --words output (ids, word_ids) for those lines
  probs.jsonl      nerkit's per-word label distributions (first sub-token), one array per line
Prints one JSON line with the comparison and exits non-zero on a mismatch.
"""
import json, sys
import torch
from transformers import AutoTokenizer, AutoModelForTokenClassification

model_dir, fixture = sys.argv[1], sys.argv[2]
tok = AutoTokenizer.from_pretrained(model_dir)
model, info = AutoModelForTokenClassification.from_pretrained(model_dir, output_loading_info=True)
model = model.float().eval()
missing = list(info.get("missing_keys", [])) + list(info.get("mismatched_keys", []))
words = [json.loads(l) for l in open(f"{fixture}/words.jsonl")]
ours_tok = [json.loads(l) for l in open(f"{fixture}/tokens.jsonl")]
ours_probs = [json.loads(l) for l in open(f"{fixture}/probs.jsonl")]
id_mismatch, max_abs, max_rel, tag_mismatch, n_words = 0, 0.0, 0.0, 0, 0
for ws, ot, op in zip(words, ours_tok, ours_probs):
    enc = tok(ws, is_split_into_words=True, return_tensors="pt")
    ids = enc["input_ids"][0].tolist()
    if ids != ot["ids"]:
        id_mismatch += 1
        continue
    with torch.no_grad():
        logits = model(**enc).logits[0].double()
    probs = torch.softmax(logits, -1)
    seen = set()
    for pos, w in enumerate(enc.word_ids()):
        if w is None or w in seen:
            continue
        seen.add(w)
        ref = probs[pos]
        mine = torch.tensor(op[w], dtype=torch.float64)
        diff = (ref - mine).abs().max().item()
        max_abs = max(max_abs, diff)
        max_rel = max(max_rel, (ref - mine).norm().item() / ref.norm().item())
        tag_mismatch += int(ref.argmax().item() != mine.argmax().item())
        n_words += 1
out = {"transformers_loaded": True, "missing_or_mismatched_keys": missing, "unexpected_keys": list(info.get("unexpected_keys", [])), "architectures": model.config.architectures,
       "labels": [model.config.id2label[i] for i in range(model.config.num_labels)],
       "sentences": len(words), "words": n_words, "token_id_mismatches": id_mismatch,
       "argmax_mismatches": tag_mismatch, "max_abs_prob_diff": max_abs, "max_rel_prob_diff": max_rel}
print(json.dumps(out))
sys.exit(0 if not missing and id_mismatch == 0 and tag_mismatch == 0 and max_abs < 1e-5 else 1)
