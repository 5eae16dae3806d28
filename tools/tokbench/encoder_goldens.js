// Extra goldens for bpe's and unigram's differential tests, made by Hugging Face tokenizers (npm
// build of the Rust core) from the shared roberta-bpe and xlmr-unigram tokenizer.json under several
// variants of their pipelines: crafted edge cases and seeded random strings as raw text, and
// seeded random pre-split sentences. Pre-split words are encoded as the Rust core's
// is_pretokenized does (encode_single_sequence): every word through added-token matching,
// normalizer, pre-tokenizer and model on its own (a tokenizer without post-processor), the
// encodings merged without shifting offsets, then the real post-processor. The binding reports
// offsets in code points; they are written here as UTF-8 byte offsets.
// usage: node encoder_goldens.js <encoders golden dir> <bpe|unigram> | gzip -9 > ../../<bpe|unigram>/testdata/extra_goldens.json.gz
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const tk = require('tokenizers');
const [dir, which] = process.argv.slice(2);

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
  ' ', ' ', ' ', ' ', ' ', '  ', '   ', '\t', '\n', '\r', '\r\n', '\x0b', '\x0c', '\x00', '\x07', '\x1f', '\x7f', '\x85', '\xa0', '\xad',
  '\u200b', '\u200c', '\u200d', '\ufeff', '\ufffd', '\u3000', '\u2028', '\u2029', '\u1680', '\u202f', '\u2009',
  ...'.,;:!?-_()[]{}<>"\'`~@#$%^&*+=|\\/', '«', '»', '„', '“', '”', '‘', '’', '—', '–', '…', '¿', '¡', '·', '§', '©', '®', '™',
  "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'x", "''", "'",
  'é', 'e\u0301', 'e\u0301\u0323', 'e\u0323\u0301', 'a\u0301\u0301\u0301', 'ñ', 'n\u0303', 'ü', 'Å', 'ø', 'ß', 'ẞ', 'İ', 'ı',
  'ǅ', 'ﬁ', 'ﬀ', 'Ⅻ', '½', '²', '₂', 'Ａ', 'ａ', 'Ｆｕｌｌ', '①', '㎏', 'ｶ', 'ﾞ', 'ｶﾞ', 'ﷺ', '﷽',
  'а', 'б', 'в', 'Г', 'Д', 'Ж', 'Й', 'И\u0306', 'Ё', 'Е\u0308', 'ё', 'ъ', 'ы', 'Ѣ', 'Москва', 'дела', 'переговоры',
  'α', 'ά', 'Ω', 'ώ', 'ΐ', '\u0344', '\u0301', '\u0323', '\u0308', '\u0306', '\u0903', '\u093f', '\u094d',
  'ह', 'ि', 'न', '्', 'द', 'ी', 'क्ष', 'क्\u0301', 'ก', 'ั', 'ข', 'ุ', 'ำ', 'م', 'ُ', 'ح', 'َ', 'ل', 'ّ', '\u0600', '\u0600a', 'ש', 'ָ', 'ל',
  '中', '国', '北', '京', '\u3400', '\uf900', '\u{20000}', 'あ', 'ア', 'ー', '한', '국', '\u1100', '\u1161', '\u11a8', '\u1100\u1161\u0301',
  '😀', '👍', '\u{1f3fd}', '👍\u{1f3fd}', '\u{1f1e9}', '\u{1f1f0}', '👨\u200d👩', '©\u200d', '©\u200d©', '\u{e0001}', '\ue000', '\u{f0000}', '\u0378',
  '▁', '▁▁', 'Ġ', 'Ċ', 'ĉ', '<s>', '</s>', '<pad>', '<unk>', '<mask>', ' <mask>', '<mask> ', '[CLS]', '<', '>', 's>',
  'København', 'Nørre', 'Allé', 'São', 'Zürich', 'don', 'it', 'we', 'the', 'quick', 'Hello', 'world',
];

function randomText(r, maxItems) {
  const n = 1 + Math.floor(r() * maxItems);
  let s = '';
  for (let i = 0; i < n; i++) s += pool[Math.floor(r() * pool.length)];
  return s;
}

const crafted = [
  '', ' ', '  ', '\t', '\n', '\r\n', 'x', ' x', 'x ', '  x  ', '\tx', '\u00a0x', 'x\u00a0', '\u3000\u3000',
  "don't won't y'all I'M it'S 'tis '' ''s", 'a  b   c    d', 'a \t b', ' \t\nx', 'x\n\n', '\n\nx',
  '<s>', '<s><s>', 'a<s>b', ' <mask>', '  <mask>', 'a <mask> b', '<mask><mask>', 'x<mask>', ' <mask> ', '<mask>', '<unk>',
  '<s> </s>', ' <s> ', '▁', '▁▁▁', ' ▁ ', 'a▁b', '▁a ▁b', 'Ġ', 'ĠĠ a',
  'e\u0301\u0323 e\u0323\u0301 \u1eb9\u0301', 'a\u0301\u0301\u0301\u0301', 'ｶﾞｷﾞ', '\u0600\u0601a', 'क्ष\u0301', '©\u200d©\u0301',
  '\u1100\u1161\u11a8\u0301', '👨\u200d👩\u200d👧', '🇩🇰🇷🇺\u0301', '\u200d\u0301', 'a\u200d', 'a\u200db',
  'ﬁﬁ ﬁ\u0301', '①②③\u0301', 'x²\u0301', 'Ａ\u0301', 'ﷺ\u0301', '\x00\x00', 'a\x00\u0301',
  'word'.repeat(70), 'é'.repeat(130), '😀'.repeat(70), ' '.repeat(300), 'a b '.repeat(80),
];

// variants of the shipped tokenizer.json: parts replaced by these objects
function variants(base) {
  const pre = base.pre_tokenizer, post = base.post_processor;
  if (which === 'bpe') {
    return {
      plain: {},
      prefix: { pre_tokenizer: { ...pre, add_prefix_space: true }, post_processor: { ...post, add_prefix_space: true } },
      prefix_pre_only: { pre_tokenizer: { ...pre, add_prefix_space: true } },
      notrim: { post_processor: { ...post, trim_offsets: false } },
      noregex: { pre_tokenizer: { ...pre, use_regex: false, add_prefix_space: true }, post_processor: { ...post, add_prefix_space: true } },
    };
  }
  const added = [...base.added_tokens,
    { id: 8002, content: 'Ｆｕｌｌ', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
    { id: 8003, content: '[CLS]', single_word: false, lstrip: false, rstrip: true, normalized: false, special: true },
    { id: 8004, content: 'dela', single_word: true, lstrip: false, rstrip: false, normalized: false, special: false },
  ];
  return {
    plain: {},
    first_nosplit: { pre_tokenizer: { ...pre, prepend_scheme: 'first', split: false } },
    never: { pre_tokenizer: { ...pre, prepend_scheme: 'never' } },
    whitespace_metaspace: { pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, pre] } },
    no_normalizer: { normalizer: null },
    added_tokens: { added_tokens: added },
    roberta_post: { post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: true } },
    strip_both_prepend: {
      normalizer: { type: 'Sequence', normalizers: [...base.normalizer.normalizers, { type: 'Strip', strip_left: true, strip_right: true }, { type: 'Prepend', prepend: '▁' }] },
      pre_tokenizer: { ...pre, prepend_scheme: 'never' },
    },
  };
}

function encodingOf(text, e) {
  return {
    ids: e.getIds(),
    tokens: e.getTokens(),
    offsets: byteOffsets(text, e.getOffsets()),
    word_ids: e.getWordIds().map((w) => (w === undefined ? null : w)),
  };
}

async function main() {
  const file = path.join(dir, which === 'bpe' ? 'roberta-bpe' : 'xlmr-unigram', 'tokenizer.json');
  const base = JSON.parse(fs.readFileSync(file, 'utf8'));
  const golden = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_goldens.json'), 'utf8'));
  const goldenTexts = golden.tokenizers[which === 'bpe' ? 'roberta-bpe' : 'xlmr-unigram'].texts.map((t) => t.text);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'encgold-'));
  const out = { library: 'tokenizers (npm) ' + require('tokenizers/package.json').version, configs: {} };
  const r = rng(which === 'bpe' ? 20240601 : 20240602);
  const texts = [...goldenTexts, ...crafted];
  for (let i = 0; i < 400; i++) texts.push(randomText(r, 16));
  const sentences = [];
  for (let i = 0; i < 200; i++) {
    const n = 1 + Math.floor(r() * 8);
    const words = [];
    for (let k = 0; k < n; k++) words.push(r() < 0.08 ? '' : randomText(r, 3));
    sentences.push(words);
  }
  for (const [name, patch] of Object.entries(variants(base))) {
    const full = { ...base, ...patch };
    const fullPath = path.join(tmp, name + '.json');
    fs.writeFileSync(fullPath, JSON.stringify(full));
    const noPostPath = path.join(tmp, name + '.nopost.json');
    fs.writeFileSync(noPostPath, JSON.stringify({ ...full, post_processor: null }));
    const tok = tk.Tokenizer.fromFile(fullPath);
    const noPost = tk.Tokenizer.fromFile(noPostPath);
    const cfg = { patch, texts: [], words: [] };
    for (const text of texts) cfg.texts.push({ text, ...encodingOf(text, await tok.encode(text)) });
    for (const words of sentences) {
      const encs = [];
      const wordOf = [];
      for (let i = 0; i < words.length; i++) {
        const e = await noPost.encode(words[i], null, { addSpecialTokens: false });
        encs.push(e);
        for (let k = 0; k < e.getLength(); k++) wordOf.push(i);
      }
      const merged = tk.mergeEncodings(encs, false);
      const e = tok.postProcess(merged, null, true);
      const special = e.getSpecialTokensMask();
      // offsets are per word: convert each with its own word's text
      const offs = e.getOffsets();
      let k = 0;
      const offsets = [], wordIds = [];
      for (let i = 0; i < e.getLength(); i++) {
        if (special[i] && (i === 0 || i === e.getLength() - 1)) { offsets.push([0, 0]); wordIds.push(null); continue; }
        const w = wordOf[k++];
        offsets.push(byteOffsets(words[w], [offs[i]])[0]);
        wordIds.push(w);
      }
      cfg.words.push({ words, ids: e.getIds(), tokens: e.getTokens(), offsets, word_ids: wordIds });
    }
    out.configs[name] = cfg;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out));
}
main().catch((e) => { console.error(e); process.exit(1); });
