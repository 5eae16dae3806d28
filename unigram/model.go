package unigram

import (
	"fmt"
	"sort"
)

// unkPenalty is how much worse than the worst piece an unknown character
// scores (HF's and SentencePiece's kUnkPenalty).
const unkPenalty = 10.0

// model is HF's Unigram model: pieces with log-probability scores, the
// best segmentation found by Viterbi over the pieces that start at each
// character, consecutive unknown characters fused into one <unk>.
type model struct {
	pieces   []string
	scores   []float64
	ids      map[string]int32 // token → id; a repeated piece keeps its last id, as in HF
	trie     pieceTrie
	unkID    int32 // -1: none
	minScore float64
	// byteFallback spells unknown pieces as <0xXX> tokens when all exist.
	byteFallback bool
	byteIDs      [256]int32
}

// token is one model output: an id and the normalized bytes [lo, hi) of
// the piece it covers (byte-fallback tokens of one piece share its range).
type token struct {
	id     int32
	lo, hi int32
}

// bestNode is a Viterbi cell: the best path ending here.
type bestNode struct {
	score float64
	start int32 // -1: unreached
	id    int32
}

type vitScratch struct {
	best []bestNode
	back []token
}

// encode appends the tokens of the normalized piece s to dst, as HF's
// Unigram::encode_optimized then tokenize do.
func (m *model) encode(dst []token, sc *vitScratch, s []byte) ([]token, error) {
	size := len(s)
	if size == 0 {
		return dst, nil
	}
	unkScore := m.minScore - unkPenalty
	best := sc.best[:0]
	for range size + 1 {
		best = append(best, bestNode{start: -1})
	}
	best[0].score = 0
	for start := 0; start < size; {
		here := best[start].score
		mblen := runeLen(s, start)
		single := false
		m.trie.prefixes(s[start:], func(n int, id int32) {
			t := &best[start+n]
			cand := m.scores[id] + here
			if t.start < 0 || cand > t.score {
				*t = bestNode{score: cand, start: int32(start), id: id}
			}
			if n == mblen {
				single = true
			}
		})
		if !single {
			if m.unkID < 0 {
				return dst, fmt.Errorf("unigram: piece %q has a character no piece covers and the model has no unk_id", s)
			}
			t := &best[start+mblen]
			cand := unkScore + here
			if t.start < 0 || cand > t.score {
				*t = bestNode{score: cand, start: int32(start), id: m.unkID}
			}
		}
		start += mblen
	}
	// Walk back; consecutive unknown characters fuse into one piece
	// (back holds the pieces last to first, id -2 marking a fused one).
	back := sc.back[:0]
	for end := size; end > 0; {
		node := best[end]
		start := node.start
		switch {
		case node.id == m.unkID && len(back) > 0 && back[len(back)-1].id == -2:
			back[len(back)-1].lo = start
		case node.id == m.unkID:
			back = append(back, token{id: -2, lo: start, hi: int32(end)})
		default:
			back = append(back, token{id: node.id, lo: start, hi: int32(end)})
		}
		end = int(start)
	}
	sc.best, sc.back = best, back
	for k := len(back) - 1; k >= 0; k-- {
		t := back[k]
		if t.id != -2 {
			dst = append(dst, t)
			continue
		}
		// A fused unknown piece: HF looks its text up again, then tries byte
		// fallback, then gives <unk>.
		piece := s[t.lo:t.hi]
		if id, ok := m.ids[string(piece)]; ok {
			dst = append(dst, token{id, t.lo, t.hi})
			continue
		}
		if m.byteFallback && m.allBytes(piece) {
			for _, b := range piece {
				dst = append(dst, token{m.byteIDs[b], t.lo, t.hi})
			}
			continue
		}
		dst = append(dst, token{m.unkID, t.lo, t.hi})
	}
	return dst, nil
}

func (m *model) allBytes(piece []byte) bool {
	for _, b := range piece {
		if m.byteIDs[b] < 0 {
			return false
		}
	}
	return true
}

// pieceTrie finds the pieces that start a string: a byte trie whose nodes
// list their children sorted by byte.
type pieceTrie struct {
	root   [256]int32 // child of the root per byte (0: none)
	first  []int32    // per node: index of its first child in labels/kids
	count  []int32    // per node: number of children
	id     []int32    // per node: the piece ending here, or -1
	labels []byte
	kids   []int32
}

// prefixes calls fn(length, id) for every piece that s starts with,
// shortest first (HF's common_prefix_search order).
func (t *pieceTrie) prefixes(s []byte, fn func(n int, id int32)) {
	if len(s) == 0 {
		return
	}
	node := t.root[s[0]]
	for i := 0; node != 0; {
		if id := t.id[node]; id >= 0 {
			fn(i+1, id)
		}
		i++
		if i == len(s) {
			return
		}
		node = t.child(node, s[i])
	}
}

func (t *pieceTrie) child(node int32, b byte) int32 {
	lo, hi := t.first[node], t.first[node]+t.count[node]
	if hi-lo <= 8 {
		for k := lo; k < hi; k++ {
			if t.labels[k] == b {
				return t.kids[k]
			}
		}
		return 0
	}
	for lo < hi {
		mid := (lo + hi) / 2
		switch {
		case t.labels[mid] < b:
			lo = mid + 1
		case t.labels[mid] > b:
			hi = mid
		default:
			return t.kids[mid]
		}
	}
	return 0
}

// buildTrie builds the trie of the pieces (ids maps each piece to the id it
// answers with).
func buildTrie(ids map[string]int32) pieceTrie {
	keys := make([]string, 0, len(ids))
	for k := range ids {
		if k != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	// Nodes are numbered from 1 (0 means "none"); children are added in
	// sorted order because keys are sorted.
	type node struct {
		id    int32
		kids  []int32
		label []byte
	}
	nodes := []node{{id: -1}, {id: -1}} // 0 unused, 1 the root
	for _, k := range keys {
		cur := int32(1)
		for i := 0; i < len(k); i++ {
			nd := &nodes[cur]
			next := int32(0)
			if n := len(nd.label); n > 0 && nd.label[n-1] == k[i] {
				next = nd.kids[n-1]
			}
			if next == 0 {
				next = int32(len(nodes))
				nodes[cur].label = append(nodes[cur].label, k[i])
				nodes[cur].kids = append(nodes[cur].kids, next)
				nodes = append(nodes, node{id: -1})
			}
			cur = next
		}
		nodes[cur].id = ids[k]
	}
	var t pieceTrie
	t.first = make([]int32, len(nodes))
	t.count = make([]int32, len(nodes))
	t.id = make([]int32, len(nodes))
	for i, nd := range nodes {
		t.id[i] = nd.id
		t.first[i] = int32(len(t.labels))
		t.count[i] = int32(len(nd.label))
		t.labels = append(t.labels, nd.label...)
		t.kids = append(t.kids, nd.kids...)
	}
	for k, b := range nodes[1].label {
		t.root[b] = nodes[1].kids[k]
	}
	return t
}
