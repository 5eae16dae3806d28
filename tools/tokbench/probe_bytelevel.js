// Dumps the character classes of Hugging Face tokenizers' ByteLevel
// pre-tokenizer regex (GPT-2's 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|
// ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+, run by Oniguruma) on every code point:
// which are \p{L} ("a"+c stays one piece), \p{N} ("0"+c stays one piece)
// and \s ("!"+c splits in two, c being neither). bpe's tests compare against
// this. usage: node probe_bytelevel.js | gzip > ../../bpe/testdata/hf_bytelevel.json.gz
const tk = require('tokenizers');
const pre = tk.byteLevelPreTokenizer(false, true);
const out = { L: [], N: [], S: [] };
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const c = String.fromCodePoint(cp);
  const l = pre.preTokenizeString('a' + c).length === 1;
  const d = pre.preTokenizeString('0' + c).length === 1;
  if (l) out.L.push(cp);
  if (d) out.N.push(cp);
  if (!l && !d && pre.preTokenizeString('!' + c).length === 2) out.S.push(cp);
}
// sets as [first, last] ranges so the file stays small
const ranges = (l) => { const r = []; for (const c of l) { if (r.length && r[r.length - 1][1] === c - 1) r[r.length - 1][1] = c; else r.push([c, c]); } return r; };
for (const k of Object.keys(out)) out[k] = ranges(out[k]);
out.library = 'tokenizers (npm) ' + require('tokenizers/package.json').version;
process.stdout.write(JSON.stringify(out));
