// Extra tokenizer goldens for wordpiece's differential tests, made by Hugging Face tokenizers
// (npm build of the Rust core): every BertNormalizer setting, offsets and word ids, crafted edge
// cases and seeded random strings. The binding reports offsets in code points; they are written
// here as UTF-8 byte offsets.
// usage: node extra_goldens.js <mbert dir> <tokenizer_mbert.json golden, for its texts> | gzip -9 > ../../wordpiece/testdata/extra_goldens.json.gz
const fs = require('fs');
const tk = require('tokenizers');
const [dir, goldenFile] = process.argv.slice(2);

function byteOffsets(text, offs) {
  const at = [0];
  for (const ch of text) at.push(at[at.length - 1] + Buffer.byteLength(ch));
  return offs.map(([a, b]) => [at[a], at[b]]);
}

// mulberry32: small seeded PRNG so the random cases are reproducible
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pool = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ...'      ', '\t', '\n', '\r', '\x0b', '\x0c', '\x00', '\x07', '\x1f', '\x7f', '\x85', '\xa0', '\xad',
  '\u200b', '\u200d', '\ufeff', '\ufffd', '\u3000', '\u2028', '\u1680',
  ...'.,;:!?-_()[]{}<>"\'`~@#$%^&*+=|\\/', '«', '»', '„', '“', '”', '‘', '’', '—', '–', '…', '¿', '¡', '·', '§', '¶',
  '\u2e43', '\u2e52', '\u061d', '\u166d', '\u0f14',
  'é', 'e\u0301', 'ñ', 'n\u0303', 'ü', 'Å', 'ø', 'ß', 'ẞ', 'İ', 'ı', 'Σ', 'ς', 'σ', 'ǅ', 'ﬁ', 'ﬀ', 'Ⅻ', '½', '²', '₂', 'Ａ', 'ａ',
  'а', 'б', 'в', 'Г', 'Д', 'Ж', 'Й', 'И\u0306', 'Ё', 'Е\u0308', 'ё', 'ъ', 'ы', 'Ѣ',
  'α', 'ά', 'Ω', 'ώ', 'ΐ', '\u0344', '\u0301', '\u0323', '\u0308', '\u0306', '\u1734', '\u0903', '\u093f', '\u094d',
  'ह', 'ि', 'न', '्', 'द', 'ी', 'ก', 'ั', 'ข', 'ุ', 'م', 'ُ', 'ح', 'َ', 'ل', 'ّ', 'ש', 'ָ', 'ל',
  '中', '国', '北', '京', '大', '学', '\u3400', '\uf900', '\uf9a8', '\ufa0e', '\u2f800', '\u{20000}', '\u{2a6d6}', '\u{2b820}', '\u{2ceb0}',
  'あ', 'ア', 'ｱ', 'ー', '한', '국', '\u1100', '\u1161', '\u11a8',
  '😀', '👍', '\u{1f3fd}', '\u{1f1f7}', '\u{1f1fa}', '\u{e0001}', '\ue000', '\u{f0000}', '\u0378', '\u{1d165}', '\u{1d16e}',
  '[CLS]', '[SEP]', '[MASK]', '[PAD]', '[UNK]', '[CL', 'S]', '[', ']', '##', '##a',
];

function randomText(r, maxLen) {
  const n = 1 + Math.floor(r() * maxLen);
  let s = '';
  for (let i = 0; i < n; i++) s += pool[Math.floor(r() * pool.length)];
  return s;
}

const crafted = [
  '', ' ', '\t\n', '\x00\x07', 'a'.repeat(100), 'a'.repeat(101), 'é'.repeat(100), 'é'.repeat(101),
  'e\u0301'.repeat(60), 'İstanbul İİ i\u0307', 'ΣΑΣ σας', 'straße STRASSE', 'a\u0323\u0301b a\u0301\u0323b',
  '[CLS][SEP]x[MASK]]', '[[CLS]]', 'x[UNK]y', '##ing ##', '北京abc中文def', '\uf900\uf9a8 \u{2f800}',
  'Хорошо, что «Газпром» — лидер!', 'ǅemal Ǆ ǆ', 'Ａｂｃ ＡＢＣ', 'x\u0344y', 'a\u1734b', '\u{1d15e}\u{1d165}\u{1d16e}',
  'don\'t won\'t y\'all', 'U.S.A.', '3.14159 1,000,000', 'email@example.com http://x.y/z?a=b',
];

async function main() {
  const vocab = dir + '/vocab.txt';
  const cased = tk.Tokenizer.fromFile(dir + '/tokenizer.json');
  const mk = async (opts, specials) => {
    const wp = await tk.WordPiece.fromFile(vocab, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 });
    const t = new tk.Tokenizer(wp);
    t.setNormalizer(tk.bertNormalizer(opts));
    t.setPreTokenizer(tk.bertPreTokenizer());
    t.setPostProcessor(tk.bertProcessing(['[SEP]', 102], ['[CLS]', 101]));
    if (specials) t.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    return t;
  };
  const configs = {
    cased: { tok: cased },
    uncased: { tok: await mk({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true }, false),
      options: { lowercase: true, clean_text: true, handle_chinese_chars: true, match_special_tokens: false } },
    uncased_specials: { tok: await mk({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true }, true),
      options: { lowercase: true, clean_text: true, handle_chinese_chars: true, match_special_tokens: true } },
    lower_keep_accents: { tok: await mk({ cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: true }, false),
      options: { lowercase: true, strip_accents: false, clean_text: true, handle_chinese_chars: true } },
    strip_only: { tok: await mk({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: false }, false),
      options: { lowercase: false, strip_accents: true, clean_text: true, handle_chinese_chars: true } },
    raw: { tok: await mk({ cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false }, false),
      options: { lowercase: false, strip_accents: false, clean_text: false, handle_chinese_chars: false } },
  };
  const r = rng(20261126);
  const texts = [...JSON.parse(fs.readFileSync(goldenFile, 'utf8')).texts.map(x => x.text), ...crafted];
  for (let i = 0; i < 400; i++) texts.push(randomText(r, 30));
  const wordLists = [];
  for (let i = 0; i < 150; i++) {
    const n = 1 + Math.floor(r() * 8), ws = [];
    for (let k = 0; k < n; k++) ws.push(r() < 0.1 ? '' : randomText(r, 6));
    wordLists.push(ws);
  }
  const out = { library: 'tokenizers (npm) ' + require('tokenizers/package.json').version, configs: {} };
  for (const [name, c] of Object.entries(configs)) {
    const rows = [];
    for (const t of texts) {
      const e = await c.tok.encode(t);
      rows.push({ text: t, ids: e.getIds(), offsets: byteOffsets(t, e.getOffsets()), word_ids: e.getWordIds() });
    }
    const words = [];
    for (const ws of wordLists) {
      // the npm binding takes no pre-tokenized input: encode word by word, which is what
      // is_split_into_words does inside the Rust core
      const ids = [101], wids = [null];
      for (let i = 0; i < ws.length; i++) {
        const e = await c.tok.encode(ws[i], null, { addSpecialTokens: false });
        for (const id of e.getIds()) { ids.push(id); wids.push(i); }
      }
      ids.push(102); wids.push(null);
      words.push({ words: ws, ids, word_ids: wids });
    }
    out.configs[name] = { options: c.options || null, texts: rows, words };
  }
  process.stdout.write(JSON.stringify(out));
}
main().catch(e => { console.error(e); process.exit(1); });
