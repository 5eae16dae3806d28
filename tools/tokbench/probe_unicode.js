// Dumps how Hugging Face tokenizers (the npm build of the Rust core) classifies every code point:
// removed by clean_text, mapped to ' ' by clean_text, split as punctuation by BertPreTokenizer,
// changed by strip_accents (NFD minus Mn) and by lowercase. wordpiece's unicode tests compare
// against this. usage: node probe_unicode.js > hf_unicode.json
const tk = require('tokenizers');
const clean = tk.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false });
const strip = tk.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false });
const lower = tk.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: true });
const chinese = tk.bertNormalizer({ cleanText: false, handleChineseChars: true, stripAccents: false, lowercase: false });
const pre = tk.bertPreTokenizer();
const out = { removed: [], space: [], punct: [], split: [], chinese: [], strip: {}, lower: {} };
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const c = String.fromCodePoint(cp);
  const cl = clean.normalizeString(c);
  if (cl === '') out.removed.push(cp); else if (cl !== c) out.space.push(cp);
  const p = pre.preTokenizeString('a' + c + 'a');
  if (p.length === 3) out.punct.push(cp); else if (p.length !== 1) out.split.push(cp);
  const s = strip.normalizeString(c); if (s !== c) out.strip[cp] = s;
  const l = lower.normalizeString(c); if (l !== c) out.lower[cp] = l;
  if (chinese.normalizeString(c) !== c) out.chinese.push(cp);
}
// sets as [first, last] ranges so the file stays small
const ranges = (l) => { const r = []; for (const c of l) { if (r.length && r[r.length - 1][1] === c - 1) r[r.length - 1][1] = c; else r.push([c, c]); } return r; };
for (const k of ['removed', 'space', 'punct', 'split', 'chinese']) out[k] = ranges(out[k]);
out.library = 'tokenizers (npm) ' + require('tokenizers/package.json').version;
process.stdout.write(JSON.stringify(out));
