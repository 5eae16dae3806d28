// Times Hugging Face tokenizers (Rust core, npm binding) on the workload of
// tokbench (main.go) and the tokenizer packages' BenchmarkEncodeWordsFactRuEval:
// every sentence of a CoNLL file encoded as pre-split words with the special
// tokens, and as raw text, single-threaded. --add-prefix-space sets
// add_prefix_space on the ByteLevel pre-tokenizer and the post-processor (what
// RobertaTokenizerFast(add_prefix_space=True) does, as pre-split words need).
// usage: RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false node bench.js [--add-prefix-space] <tokenizer.json> <conll file> [seconds]
// Prints one line per mode: "hf <mode> tokens=<n> cpu_s=.. wall_s=.. tokens_per_cpu_s=.. tokens_per_wall_s=..".
process.env.RAYON_NUM_THREADS = process.env.RAYON_NUM_THREADS || '1';
process.env.TOKENIZERS_PARALLELISM = process.env.TOKENIZERS_PARALLELISM || 'false';
const fs = require('fs');
const tk = require('tokenizers');
const argv = process.argv.slice(2);
const addPrefixSpace = argv[0] === '--add-prefix-space';
if (addPrefixSpace) argv.shift();
const [tokJson, conll, secondsArg] = argv;
const minSeconds = Number(secondsArg || 3);

function readSentences(path) {
  const sents = []; let cur = [];
  for (const raw of fs.readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line) { if (cur.length) { sents.push(cur); cur = []; } continue; }
    cur.push(line.split(/\s+/)[0]);
  }
  if (cur.length) sents.push(cur);
  return sents;
}

// cpuSeconds is the process's CPU time: on a shared, busy machine it
// measures the work done far more steadily than the wall clock.
function cpuSeconds() { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; }

// report prints one mode's line; passes are compared by CPU time.
function report(name, tokens, wall, cpu) {
  console.log(`hf ${name} tokens=${tokens} cpu_s=${cpu.toFixed(6)} wall_s=${wall.toFixed(6)} tokens_per_cpu_s=${Math.round(tokens / cpu)} tokens_per_wall_s=${Math.round(tokens / wall)}`);
}

// run repeats one full pass over the workload until minSeconds of CPU time
// have passed and reports the pass that took the least CPU time.
async function run(name, pass) {
  let best = Infinity, bestWall = 0, tokens = 0, total = 0;
  await pass(); // warm-up
  while (total < minSeconds) {
    const w0 = process.hrtime.bigint(), c0 = cpuSeconds();
    tokens = await pass();
    const c = cpuSeconds() - c0, w = Number(process.hrtime.bigint() - w0) / 1e9;
    if (c < best) { best = c; bestWall = w; }
    total += c;
  }
  report(name, tokens, bestWall, best);
}

async function main() {
  let tok = tk.Tokenizer.fromFile(tokJson);
  if (addPrefixSpace) {
    const j = JSON.parse(fs.readFileSync(tokJson, 'utf8'));
    const set = (c) => { if (c && 'add_prefix_space' in c) c.add_prefix_space = true; if (c && c.processors) c.processors.forEach(set); if (c && c.pretokenizers) c.pretokenizers.forEach(set); };
    set(j.pre_tokenizer); set(j.post_processor);
    tok = tk.Tokenizer.fromString(JSON.stringify(j));
  }
  const sents = readSentences(conll);
  const noSpecial = { addSpecialTokens: false };
  // is_split_into_words: every word encoded on its own; one call per sentence
  // (the binding takes no pre-tokenized input, so a sentence is a batch of words).
  await run('words_per_sentence', async () => {
    let n = 0;
    for (const s of sents) {
      const encs = await tok.encodeBatch(s, noSpecial);
      n += 2; for (const e of encs) n += e.getLength();
    }
    return n;
  });
  // the whole file's words in one call: the least binding overhead per word
  const allWords = sents.flat();
  // only the encodeBatch call is timed here (tokens are counted afterwards), the
  // closest this binding gets to the Rust core alone
  {
    let best = Infinity, bestWall = 0, total = 0, encs;
    await tok.encodeBatch(allWords, noSpecial);
    while (total < minSeconds) {
      const w0 = process.hrtime.bigint(), c0 = cpuSeconds();
      encs = await tok.encodeBatch(allWords, noSpecial);
      const c = cpuSeconds() - c0, w = Number(process.hrtime.bigint() - w0) / 1e9;
      if (c < best) { best = c; bestWall = w; }
      total += c;
    }
    let n = 2 * sents.length; for (const e of encs) n += e.getLength();
    report('words_one_batch', n, bestWall, best);
  }
  // raw text, sentence by sentence and in one batch
  const texts = sents.map(s => s.join(' '));
  await run('text_per_sentence', async () => {
    let n = 0;
    for (const t of texts) n += (await tok.encode(t)).getLength();
    return n;
  });
  await run('text_one_batch', async () => {
    let n = 0;
    for (const e of await tok.encodeBatch(texts)) n += e.getLength();
    return n;
  });
}
main().catch(e => { console.error(e); process.exit(1); });
