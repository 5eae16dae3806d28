#!/usr/bin/env python3
"""Exports the PyTorch reference's BERT token classifier to ONNX for ONNX Runtime's row in nerkit bench.

The model class is the reference script's own (testdata/tools/torch_bert_step.py), so the graph is the
one PyTorch is timed on: post-LN encoder, exact (erf) GELU, LayerNorm eps 1e-12, linear head; random
weights (seed 0) of bert-base-multilingual-cased's shape by default. Eval mode (no dropout), fixed
input shapes (batch x seq; ONNX Runtime then plans its memory once), inputs int64 ids and mask.
Writes OUT/bert.onnx and OUT/bert.json (the shape, opset, torch version and the inference FLOP count
of bench/, i.e. the reference script's training count / 3). Skips the export when OUT/bert.json
already describes the same model.

Run with Debian's torch:  /usr/bin/python3 scripts/onnx/export_bert.py --out .cache/onnx [--batch 32 --seq 64 ...]
"""
import argparse, json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "testdata", "tools"))
import torch  # noqa: E402
from torch_bert_step import BertTagger  # noqa: E402

OPSET = 17  # LayerNormalization is a single op from 17; ONNX Runtime 1.2x-1.30 runs opsets up to 21+


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--out", required=True)
    a.add_argument("--batch", type=int, default=32)
    a.add_argument("--seq", type=int, default=64)
    a.add_argument("--vocab", type=int, default=119547)
    a.add_argument("--hidden", type=int, default=768)
    a.add_argument("--layers", type=int, default=12)
    a.add_argument("--heads", type=int, default=12)
    a.add_argument("--ff", type=int, default=3072)
    a.add_argument("--labels", type=int, default=9)
    args = a.parse_args()
    B, T, H, L = args.batch, args.seq, args.hidden, args.layers
    torch.manual_seed(0)
    m = BertTagger(args.vocab, H, L, args.heads, args.ff, args.labels).eval()
    nonemb = sum(p.numel() for n, p in m.named_parameters() if not n.startswith(("word", "pos", "typ")))
    meta = {"model": "bert.onnx", "batch": B, "seq": T, "layers": L, "hidden": H, "heads": args.heads, "ff": args.ff,
            "vocab": args.vocab, "labels": args.labels, "opset": OPSET, "torch": torch.__version__,
            "inference_flops": (6 * nonemb * B * T + L * 2 * 2 * B * T * T * H * 3) / 3}
    os.makedirs(args.out, exist_ok=True)
    meta_path, model_path = os.path.join(args.out, "bert.json"), os.path.join(args.out, meta["model"])
    try:
        with open(meta_path) as f:
            if json.load(f) == meta and os.path.exists(model_path):
                print("export: %s is up to date" % model_path, file=sys.stderr)
                return
    except (OSError, ValueError):
        pass
    ids = torch.randint(1000, args.vocab, (B, T))
    mask = torch.ones(B, T, dtype=torch.long)
    tmp = model_path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(m, (ids, mask), tmp, input_names=["input_ids", "attention_mask"], output_names=["logits"],
                          opset_version=OPSET, do_constant_folding=True)
    os.replace(tmp, model_path)
    with open(meta_path + ".tmp", "w") as f:
        json.dump(meta, f)
    os.replace(meta_path + ".tmp", meta_path)
    print("export: wrote %s (%.0f MB)" % (model_path, os.path.getsize(model_path) / 1e6), file=sys.stderr)


if __name__ == "__main__":
    main()
