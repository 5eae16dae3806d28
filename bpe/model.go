package bpe

import "unicode/utf8"

// piece is one sub-token of a word: its id and how many input bytes it
// covers (each byte is one byte-level character).
type piece struct {
	id int32
	n  int32
}

// mergeRule is what merging a pair of ids gives: the new id, and the rank
// that orders merges (lower first).
type mergeRule struct {
	rank  uint32
	newID int32
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// model is HF's BPE model over byte-level characters: vocabulary, merges by
// rank, and the unknown-character rules.
type model struct {
	vocab  map[string]int32
	merges map[uint64]mergeRule
	// byteID is the id of each byte's byte-level character (-1: not in the
	// vocabulary); used when there is no subword prefix or suffix.
	byteID       [256]int32
	unkID        int32 // -1: none
	fuseUnk      bool
	prefix       string // continuing_subword_prefix
	suffix       string // end_of_word_suffix
	ignoreMerges bool
	plain        bool // no prefix, suffix: initial symbols come from byteID
}

// symbol is a node of the word being merged (HF's Word): a linked list over
// a slice, removed symbols having n == 0.
type symbol struct {
	id         int32
	prev, next int32
	n          int32
}

type mergeEntry struct {
	rank  uint32
	pos   int32
	newID int32
}

// less orders the queue as HF's: lowest rank first, then leftmost.
func (a mergeEntry) less(b mergeEntry) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.pos < b.pos
}

// mergeQueue is a binary min-heap of merge candidates.
type mergeQueue []mergeEntry

func (q *mergeQueue) push(e mergeEntry) {
	h := append(*q, e)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].less(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	*q = h
}

func (q *mergeQueue) pop() mergeEntry {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].less(h[m]) {
			m = l
		}
		if r < len(h) && h[r].less(h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// byteChars is GPT-2's byte-to-character table (HF's bytes_char): printable
// bytes map to themselves, the others to U+0100 onwards.
var byteChars = func() [256]rune {
	var t [256]rune
	n := rune(0)
	for b := 0; b < 256; b++ {
		switch {
		case b >= '!' && b <= '~', b >= 0xA1 && b <= 0xAC, b >= 0xAE:
			t[b] = rune(b)
		default:
			t[b] = 256 + n
			n++
		}
	}
	return t
}()

// byteStrings holds the byte-level character of every byte, as a string.
var byteStrings = func() [256]string {
	var t [256]string
	for b := range t {
		t[b] = string(byteChars[b])
	}
	return t
}()

// encodeWord appends the BPE pieces of word (input bytes, each one
// byte-level character) to dst, as HF's BPE::merge_word does: initial
// symbols (characters outside the vocabulary dropped, or replaced by <unk>,
// fused or not), then merges by rank.
func (m *model) encodeWord(dst []piece, sc *mergeScratch, word []byte) []piece {
	if m.ignoreMerges {
		if id, ok := m.vocab[m.levelString(sc, word)]; ok {
			return append(dst, piece{id, int32(len(word))})
		}
	}
	syms := sc.syms[:0]
	add := func(id, n int32) {
		k := int32(len(syms))
		syms = append(syms, symbol{id: id, prev: k - 1, next: k + 1, n: n})
	}
	unkID, unkN := int32(-1), int32(0)
	for i, b := range word {
		id := int32(-1)
		var s string
		if m.plain {
			id = m.byteID[b]
		} else {
			s = byteStrings[b]
			if i > 0 {
				s = m.prefix + s
			}
			if i == len(word)-1 {
				s += m.suffix
			}
			if v, ok := m.vocab[s]; ok {
				id = v
			}
		}
		if id >= 0 {
			if unkID >= 0 {
				add(unkID, unkN)
				unkID = -1
			}
			add(id, 1)
			continue
		}
		if m.unkID >= 0 {
			switch {
			case unkID >= 0 && m.fuseUnk:
				unkN++
			case unkID >= 0:
				add(unkID, unkN)
				unkID, unkN = m.unkID, 1
			default:
				unkID, unkN = m.unkID, 1
			}
		}
	}
	if unkID >= 0 {
		add(unkID, unkN)
	}
	if len(syms) > 0 {
		syms[len(syms)-1].next = -1
	}
	syms = m.mergeAll(sc, syms)
	for _, s := range syms {
		dst = append(dst, piece{s.id, s.n})
	}
	sc.syms = syms[:0]
	return dst
}

// levelString is word spelled in byte-level characters.
func (m *model) levelString(sc *mergeScratch, word []byte) string {
	b := sc.str[:0]
	for _, c := range word {
		b = utf8.AppendRune(b, byteChars[c])
	}
	sc.str = b
	return string(b)
}

// mergeAll applies merges to syms as HF's Word::merge_all does (without
// dropout): pop the lowest (rank, position) candidate, skip it if stale,
// merge, queue the pairs the merged symbol forms with its neighbours.
func (m *model) mergeAll(sc *mergeScratch, syms []symbol) []symbol {
	q := sc.queue[:0]
	for i := 0; i+1 < len(syms); i++ {
		if r, ok := m.merges[pairKey(syms[i].id, syms[i+1].id)]; ok {
			q.push(mergeEntry{r.rank, int32(i), r.newID})
		}
	}
	for len(q) > 0 {
		top := q.pop()
		cur := &syms[top.pos]
		if cur.n == 0 || cur.next == -1 {
			continue
		}
		nextPos := cur.next
		right := syms[nextPos]
		if r, ok := m.merges[pairKey(cur.id, right.id)]; !ok || r.newID != top.newID {
			continue // stale: the pair changed since it was queued
		}
		cur.id = top.newID
		cur.n += right.n
		cur.next = right.next
		syms[nextPos].n = 0
		if right.next > -1 && int(right.next) < len(syms) {
			syms[right.next].prev = top.pos
		}
		if cur.prev >= 0 {
			if r, ok := m.merges[pairKey(syms[cur.prev].id, cur.id)]; ok {
				q.push(mergeEntry{r.rank, cur.prev, r.newID})
			}
		}
		if next := cur.next; next >= 0 && int(next) < len(syms) {
			if r, ok := m.merges[pairKey(cur.id, syms[next].id)]; ok {
				q.push(mergeEntry{r.rank, top.pos, r.newID})
			}
		}
	}
	sc.queue = q
	out := syms[:0]
	for _, s := range syms {
		if s.n != 0 {
			out = append(out, s)
		}
	}
	return out
}

// mergeScratch holds encodeWord's buffers.
type mergeScratch struct {
	syms  []symbol
	queue mergeQueue
	str   []byte
}
