// Builds a SentencePiece precompiled_charsmap (the format Hugging Face's
// Precompiled normalizer reads: a little-endian u32 trie size, a darts-clone
// double-array trie over the UTF-8 keys, then the NUL-terminated
// replacement strings) from a map of key → replacement. Used to probe HF's
// Precompiled normalizer with maps made for the purpose.
'use strict';

function buildCharsmap(entries) {
  // replacements, NUL-terminated, deduplicated
  const blobParts = []; const blobAt = new Map(); let blobLen = 0;
  const valueOf = (s) => {
    if (!blobAt.has(s)) { const b = Buffer.from(s + '\0', 'utf8'); blobAt.set(s, blobLen); blobParts.push(b); blobLen += b.length; }
    return blobAt.get(s);
  };
  // byte trie
  const root = { kids: new Map(), value: -1 };
  for (const [k, v] of entries) {
    let n = root;
    for (const byte of Buffer.from(k, 'utf8')) {
      if (!n.kids.has(byte)) n.kids.set(byte, { kids: new Map(), value: -1 });
      n = n.kids.get(byte);
    }
    n.value = valueOf(v);
  }
  // double array: every node at position p has a base b (unique) with its
  // child of label c at b^c and its value unit at b (label 0)
  const units = []; const used = []; const usedBase = new Set();
  const ensure = (n) => { while (units.length < n) { units.push(0); used.push(false); } };
  ensure(256); used[0] = true;
  let searchFrom = 256;
  const findBase = (p, labels) => {
    for (let b = searchFrom; ; b++) {
      if (usedBase.has(b)) continue;
      ensure(b + 256 + 1);
      let ok = true;
      for (const l of labels) if (used[b ^ l]) { ok = false; break; }
      if (!ok) continue;
      const off = p ^ b;
      if (off >= (1 << 21)) throw new Error('offset too large');
      return b;
    }
  };
  const queue = [[root, 0]];
  while (queue.length) {
    const [node, p] = queue.shift();
    const labels = [...node.kids.keys()];
    if (node.value >= 0) labels.push(0);
    if (labels.length === 0) continue;
    const b = findBase(p, labels);
    usedBase.add(b);
    for (const l of labels) used[b ^ l] = true;
    while (searchFrom < units.length && used[searchFrom]) searchFrom++;
    units[p] = (units[p] | ((p ^ b) << 10)) >>> 0;
    if (node.value >= 0) units[b] = (node.value | 0x80000000) >>> 0;
    for (const [l, kid] of node.kids) {
      const q = b ^ l;
      units[q] = (l | (kid.value >= 0 ? 1 << 8 : 0)) >>> 0;
      queue.push([kid, q]);
    }
  }
  const trie = Buffer.alloc(4 + units.length * 4);
  trie.writeUInt32LE(units.length * 4, 0);
  units.forEach((u, i) => trie.writeUInt32LE(u, 4 + 4 * i));
  return Buffer.concat([trie, ...blobParts]);
}

module.exports = { buildCharsmap };
