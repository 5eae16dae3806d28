// Dumps how Hugging Face tokenizers' Precompiled normalizer groups
// characters into grapheme clusters (unicode-segmentation inside the Rust
// core): a cluster shorter than 6 bytes is replaced as a whole by the
// replacement of its shortest matching prefix, so with made-up charsmaps
// (charsmap.js) the grouping shows in the output. Per code point c:
//   join: "a"+c is one cluster (c is Extend, ZWJ or SpacingMark),
//   prepend: c+"a" is one cluster (c is Prepend),
//   control: c+U+0301 is two clusters (c is CR, LF or Control; c of 1-3 bytes but NUL,
//            which a charsmap key cannot hold),
//   pict: "©"+ZWJ+c is one cluster (c is Extended_Pictographic, GB11),
//   conjunct: "क्"+c is one cluster (c is an Indic conjunct consonant, GB9c; c of 1-3 bytes).
// unigram's grapheme tables are generated from this.
// usage: node probe_graphemes.js | gzip -9 > ../../unigram/testdata/hf_graphemes.json.gz
'use strict';
const tk = require('tokenizers');
const { buildCharsmap } = require('./charsmap.js');
const norm = (entries) => tk.precompiled([...buildCharsmap(entries)]);

const cps = [];
for (let cp = 0; cp <= 0x10ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) cps.push(cp);
const out = { join: [], prepend: [], control: [], pict: [], conjunct: [] };
const bytes = (s) => Buffer.byteLength(s, 'utf8');

const a = norm([['a', 'Q']]);
const copy = norm([['©', 'Q']]);
for (const cp of cps) {
  const c = String.fromCodePoint(cp);
  if (cp !== 0x61 && a.normalizeString('a' + c) === 'Q') out.join.push(cp);
  if (copy.normalizeString('©\u200d' + c) === 'Q\u200d' + (cp === 0xa9 ? 'Q' : c)) out.pict.push(cp);
}
const join = new Set(out.join);
const batch = 4096;
const keyed = cps.filter((cp) => cp !== 0); // a charsmap key cannot hold NUL
for (let i = 0; i < keyed.length; i += batch) {
  const part = keyed.slice(i, i + batch);
  const keys = new Set(part);
  const n = norm(part.map((cp) => [String.fromCodePoint(cp), 'Q']));
  const tr = (s) => [...s].map((ch) => (keys.has(ch.codePointAt(0)) ? 'Q' : ch)).join('');
  for (const cp of part) {
    const c = String.fromCodePoint(cp);
    if (cp !== 0x61 && n.normalizeString(c + 'a') === 'Q') out.prepend.push(cp);
    const control = bytes(c) <= 3 && n.normalizeString(c + '\u0301') !== 'Q';
    if (control) out.control.push(cp);
    if (bytes(c) <= 3 && !join.has(cp) && !control) {
      const r = n.normalizeString('\u0915\u094d' + c + '\u0301');
      const joined = tr('\u0915\u094d') + 'Q' + tr('\u0301');
      const apart = tr('\u0915\u094d') + 'Q';
      if (r === joined && joined !== apart) out.conjunct.push(cp);
      else if (r !== apart) throw new Error('unexpected conjunct probe result for U+' + cp.toString(16));
    }
  }
}
// sanity: Hangul syllable sequences (GB6-8) group as Unicode says
const h = norm([['\u1161', 'Q'], ['\u11a8', 'Q']]);
out.hangul = {
  'L V': h.normalizeString('\u1100\u1161\u0301'), // one cluster of 8 bytes: per character
  'LV T': h.normalizeString('\uac00\u11a8\u0301'),
  'T V': h.normalizeString('\u11a8\u1161\u0301'), // apart: "Q" then [V mark] as a whole
};
const ranges = (l) => { const r = []; for (const c of l) { if (r.length && r[r.length - 1][1] === c - 1) r[r.length - 1][1] = c; else r.push([c, c]); } return r; };
for (const k of ['join', 'prepend', 'control', 'pict', 'conjunct']) out[k] = ranges(out[k]);
out.library = 'tokenizers (npm) ' + require('tokenizers/package.json').version;
process.stdout.write(JSON.stringify(out));
