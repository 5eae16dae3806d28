// Goldens for added tokens matched after normalisation (normalized=true, what transformers'
// add_tokens creates): a small uncased WordPiece tokenizer saved as tokenizer.json, and its
// encodings by Hugging Face tokenizers. usage: node added_goldens.js <out dir>
const fs = require('fs');
const tk = require('tokenizers');
const out = process.argv[2];

async function main() {
  const words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', 'new', 'york', 'ecole', 'strasse', 'e', 'x', 'a', 'b',
    '##s', '##x', '##a', '##b', '##e', ',', '.', '<', '>', 'ent', '##ent', 'le', '##le', 'c', '##o', 'o', '##c', 'l', '##l'];
  const vocab = {}; words.forEach((w, i) => { vocab[w] = i; });
  const t = new tk.Tokenizer(tk.WordPiece.init(vocab, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }));
  t.setNormalizer(tk.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true }));
  t.setPreTokenizer(tk.bertPreTokenizer());
  t.setPostProcessor(tk.bertProcessing(['[SEP]', 3], ['[CLS]', 2]));
  t.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  t.addTokens(['<ent>', 'New York', 'ÉCOLE', 'ab', 'abab', 'Straße']);
  fs.mkdirSync(out, { recursive: true });
  t.save(out + '/tokenizer.json', true);
  const texts = ['Hello <ent> world', 'hello<ent>world', 'I love NEW YORK, new  york and newyork', 'École ecole ÉCOLE e\u0301cole',
    'ababab abab aba', 'STRASSE Straße straße', '<ENT> < ent >', '[CLS] <ent>[SEP]', '', 'x', 'b\u0301ab'];
  const rows = [];
  for (const s of texts) {
    const e = await t.encode(s);
    const at = [0]; for (const ch of s) at.push(at[at.length - 1] + Buffer.byteLength(ch));
    rows.push({ text: s, ids: e.getIds(), offsets: e.getOffsets().map(([a, b]) => [at[a], at[b]]), word_ids: e.getWordIds() });
  }
  fs.writeFileSync(out + '/goldens.json', JSON.stringify({ library: 'tokenizers (npm) ' + require('tokenizers/package.json').version, texts: rows }, null, 1));
}
main().catch(e => { console.error(e); process.exit(1); });
