package unigram

import (
	"unicode"
	"unicode/utf8"
)

// preTokenizer is one of HF's pre-tokenizers: it splits a normalized string
// into the pieces the model encodes one by one, appending them to out
// (empty pieces are dropped, as HF drops them).
type preTokenizer interface {
	split(out []nstr, n *nstr, sc *normScratch) []nstr
}

// preSequence applies pre-tokenizers in order, each to every piece the
// previous one made.
type preSequence []preTokenizer

func (q preSequence) split(out []nstr, n *nstr, sc *normScratch) []nstr {
	pieces := []nstr{*n}
	for _, p := range q {
		var next []nstr
		for k := range pieces {
			next = p.split(next, &pieces[k], sc)
		}
		pieces = next
	}
	for k := range pieces {
		out = appendPiece(out, &pieces[k])
	}
	return out
}

// appendPiece appends a copy of p to out, reusing out's spare buffers.
func appendPiece(out []nstr, p *nstr) []nstr {
	if len(p.s) == 0 {
		return out
	}
	if len(out) < cap(out) {
		out = out[:len(out)+1]
		q := &out[len(out)-1]
		q.s = append(q.s[:0], p.s...)
		q.align = append(q.align[:0], p.align...)
		q.orig = p.orig
		return out
	}
	return append(out, nstr{s: append([]byte(nil), p.s...), align: append([][2]int32(nil), p.align...), orig: p.orig})
}

// appendSlice appends n's normalized bytes [lo, hi) as a new piece.
func appendSlice(out []nstr, n *nstr, lo, hi int) []nstr {
	if lo >= hi {
		return out
	}
	if len(out) < cap(out) {
		out = out[:len(out)+1]
	} else {
		out = append(out, nstr{})
	}
	n.slice(&out[len(out)-1], lo, hi)
	return out
}

// Metaspace prepend schemes.
const (
	prependAlways = iota
	prependFirst
	prependNever
)

// metaspace is HF's Metaspace pre-tokenizer: spaces become the replacement
// character (▁), one is put before the text (always, or only at the very
// start of the input), and with split the text is cut before every ▁.
type metaspace struct {
	rep     rune
	repStr  string
	scheme  int
	doSplit bool
}

func (m metaspace) split(out []nstr, n *nstr, sc *normScratch) []nstr {
	sc.matches = sc.matches[:0]
	for i, c := range n.s {
		if c == ' ' {
			sc.matches = append(sc.matches, [2]int{i, i + 1})
		}
	}
	n.replaceMatches(sc.matches, m.repStr, &sc.tmp)
	if first, _ := utf8.DecodeRune(n.s); first != m.rep {
		if m.scheme == prependAlways || (m.scheme == prependFirst && n.orig[0] == 0) {
			n.prepend(m.repStr, &sc.tmp)
		}
	}
	if !m.doSplit {
		return appendSlice(out, n, 0, len(n.s))
	}
	// MergedWithNext: every ▁ starts a piece that runs to the next ▁.
	start := 0
	for i := 0; i < len(n.s); {
		r, size := decodeAt(n.s, i)
		if r == m.rep && i > start {
			out = appendSlice(out, n, start, i)
			start = i
		}
		i += size
	}
	return appendSlice(out, n, start, len(n.s))
}

// whitespaceSplit is HF's WhitespaceSplit: pieces are the runs between
// whitespace, which is dropped.
type whitespaceSplit struct{}

func (whitespaceSplit) split(out []nstr, n *nstr, _ *normScratch) []nstr {
	start := -1
	for i := 0; i < len(n.s); {
		r, size := decodeAt(n.s, i)
		if unicode.IsSpace(r) {
			if start >= 0 {
				out = appendSlice(out, n, start, i)
				start = -1
			}
		} else if start < 0 {
			start = i
		}
		i += size
	}
	if start >= 0 {
		out = appendSlice(out, n, start, len(n.s))
	}
	return out
}
