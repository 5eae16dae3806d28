// Times Hugging Face tokenizers (Rust core, npm binding) on the workload of
// wordpiece's BenchmarkEncodeWordsFactRuEval: every sentence of a CoNLL file
// encoded as pre-split words with [CLS]/[SEP], single-threaded.
// usage: RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false node bench.js <tokenizer.json> <conll file> [seconds]
// Prints one line per mode: "hf <mode> tokens=<n> seconds=<s> tokens_per_s=<r>".
process.env.RAYON_NUM_THREADS = process.env.RAYON_NUM_THREADS || '1';
process.env.TOKENIZERS_PARALLELISM = process.env.TOKENIZERS_PARALLELISM || 'false';
const fs = require('fs');
const tk = require('tokenizers');
const [tokJson, conll, secondsArg] = process.argv.slice(2);
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

// run repeats one full pass over the workload until minSeconds have passed
// and reports the fastest pass.
async function run(name, pass) {
  let best = Infinity, tokens = 0, total = 0;
  await pass(); // warm-up
  while (total < minSeconds) {
    const t0 = process.hrtime.bigint();
    tokens = await pass();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, s); total += s;
  }
  console.log(`hf ${name} tokens=${tokens} seconds=${best.toFixed(6)} tokens_per_s=${Math.round(tokens / best)}`);
}

async function main() {
  const tok = tk.Tokenizer.fromFile(tokJson);
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
  await run('words_one_batch', async () => {
    const encs = await tok.encodeBatch(allWords, noSpecial);
    let n = 2 * sents.length; for (const e of encs) n += e.getLength();
    return n;
  });
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
