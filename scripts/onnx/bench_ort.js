#!/usr/bin/env node
// Times ONNX Runtime's inference of the model scripts/onnx/export_bert.py exported, the way the
// PyTorch reference times PyTorch: median of --steps timed runs after --warmup runs on random ids,
// one JSON line with the reference script's keys, then a "backend" line saying what ran.
// onnxruntime-node comes from DIR/node_modules (scripts/bench-onnx.sh installs it there).
//   node scripts/onnx/bench_ort.js --dir .cache/onnx [--model DIR/bert.onnx --threads 2 --warmup 2 --steps 5]
'use strict';
const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const a = { dir: '.cache/onnx', model: '', threads: 2, warmup: 2, steps: 5 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in a) || i + 1 >= argv.length) throw new Error(`unknown or incomplete flag ${argv[i]}`);
    a[k] = typeof a[k] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  a.model = a.model || path.join(a.dir, 'bert.onnx');
  return a;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const dir = path.resolve(args.dir);
  const ort = require(path.join(dir, 'node_modules', 'onnxruntime-node'));
  const version = require(path.join(dir, 'node_modules', 'onnxruntime-node', 'package.json')).version;
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'bert.json'), 'utf8'));
  const opts = {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all', executionMode: 'sequential',
    intraOpNumThreads: args.threads, interOpNumThreads: 1, enableCpuMemArena: true, enableMemPattern: true,
  };
  const session = await ort.InferenceSession.create(path.resolve(args.model), opts);
  const B = meta.batch, T = meta.seq, n = B * T;
  const ids = new BigInt64Array(n), mask = new BigInt64Array(n).fill(1n);
  let x = 12345; // a fixed LCG: ids in [1000, vocab), as the reference draws them
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    ids[i] = BigInt(1000 + (x % (meta.vocab - 1000)));
  }
  const feeds = { input_ids: new ort.Tensor('int64', ids, [B, T]), attention_mask: new ort.Tensor('int64', mask, [B, T]) };
  for (let i = 0; i < args.warmup; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < args.steps; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const sorted = [...times].sort((p, q) => p - q);
  const med = sorted[Math.floor(sorted.length / 2)];
  const engine = `onnxruntime-node ${version}`;
  console.log(JSON.stringify({
    engine, what: 'inference', batch: B, seq: T, threads: args.threads, s_per_batch: med,
    min: sorted[0], max: sorted[sorted.length - 1], sentences_per_s: B / med, tokens_per_s: n / med,
    gflop_per_s: meta.inference_flops / med / 1e9,
  }));
  console.log(JSON.stringify({
    engine, what: 'backend', gemm: 'mlas',
    runtime: `ONNX Runtime ${version} CPU execution provider (MLAS GEMM), graph optimization all, ` +
      `intra-op ${args.threads} threads, inter-op 1, sequential; model opset ${meta.opset} exported by torch ${meta.torch}`,
  }));
}

main().catch((e) => { console.error(e); process.exit(1); });
