package unigram

import (
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// metaspaceMark is the ▁ the fast path recognises (the replacement of
// XLM-R's and SentencePiece's Metaspace).
const metaspaceMark = "▁"

// The fast path: most text comes out of XLM-R's normalizers unchanged (the
// charsmap has no rule for it, nothing to strip but trailing spaces, no run
// of spaces to replace), and then the Metaspace pieces are runs of the
// original text, each after a ▁ that stands for a space (or for nothing, at
// the start). encodeFast cuts those pieces straight from the text, with the
// offsets HF's alignments would give, instead of building normalized
// strings; the differential test checks it against the general path.

// canFast reports whether the pipeline is one encodeFast covers: normalizers
// among Precompiled, Strip and Replace (alone or in a Sequence), Metaspace
// with ▁ and split (alone, or after WhitespaceSplit as transformers v5 and
// older converters write it), no added tokens matched in normalized text.
func (t *Tokenizer) canFast() bool {
	m, ok := t.metaspace()
	if !ok || !m.doSplit || m.repStr != metaspaceMark || !t.addedNorm.Empty() {
		return false
	}
	for _, n := range t.normalizers() {
		switch n.(type) {
		case precompiled, strip, replace:
		default:
			return false
		}
	}
	return true
}

// metaspace returns the Metaspace pre-tokenizer the fast path runs, and
// whether there is exactly that (possibly after WhitespaceSplit, which
// t.wsSplit then says).
func (t *Tokenizer) metaspace() (metaspace, bool) {
	switch p := t.pre.(type) {
	case metaspace:
		return p, true
	case preSequence:
		if len(p) == 2 {
			_, ws := p[0].(whitespaceSplit)
			m, ok := p[1].(metaspace)
			return m, ws && ok
		}
	}
	return metaspace{}, false
}

func (t *Tokenizer) normalizers() []normalizer {
	switch n := t.norm.(type) {
	case nil:
		return nil
	case sequence:
		return n
	default:
		return []normalizer{n}
	}
}

// encodeFast encodes text[a:b] if normalization leaves it unchanged (but
// for stripped ends) and reports whether it did; otherwise it has done
// nothing and the general path must run.
func (t *Tokenizer) encodeFast(s *scratch, text string, a, b int, word *int, fixed bool) bool {
	lo, hi, ok := t.unchanged(text, a, b)
	if !ok {
		return false
	}
	if lo == hi {
		return true // normalized to nothing
	}
	m, _ := t.metaspace()
	if !t.wsSplit {
		t.encodeFastMetaspace(s, m, text, a, lo, hi, word, fixed)
		return true
	}
	// WhitespaceSplit first: every whitespace-separated word goes through
	// Metaspace on its own (its first character starts at a only for the
	// first word at the very start).
	for i := lo; i < hi; {
		r, size := utf8.DecodeRuneInString(text[i:hi])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		j := i
		for j < hi {
			r, size := utf8.DecodeRuneInString(text[j:hi])
			if unicode.IsSpace(r) {
				break
			}
			j += size
		}
		t.encodeFastMetaspace(s, m, text, i, i, j, word, fixed)
		i = j
	}
	return true
}

// encodeFastMetaspace cuts the Metaspace pieces of text[lo:hi], which
// normalization left unchanged, and encodes them; a is where the string
// Metaspace sees starts in the original (for prepend_scheme first).
func (t *Tokenizer) encodeFastMetaspace(s *scratch, m metaspace, text string, a, lo, hi int, word *int, fixed bool) {
	// The first piece: a space or ▁ in the text starts it; otherwise the
	// prepend scheme decides whether a ▁ (standing for the first
	// character) goes before it.
	pos := lo
	markStart, markEnd, hasMark := 0, 0, false
	switch {
	case text[lo] == ' ':
		markStart, markEnd, hasMark, pos = lo, lo+1, true, lo+1
	case hasMarkAt(text, lo):
		markStart, markEnd, hasMark, pos = lo, lo+len(metaspaceMark), true, lo+len(metaspaceMark)
	case m.scheme == prependAlways || (m.scheme == prependFirst && a == 0):
		_, n := utf8.DecodeRuneInString(text[lo:])
		markStart, markEnd, hasMark = lo, lo+n, true
	}
	for {
		end := nextMark(text, pos, hi)
		pp := piecePlace{hasMarker: hasMark, marker: [2]int{markStart, markEnd}, rest: pos}
		var key []byte
		switch {
		case hasMark && markEnd-markStart == len(metaspaceMark) && hasMarkAt(text, markStart):
			key = unsafe.Slice(unsafe.StringData(text[markStart:]), end-markStart) // the text's own ▁
		case hasMark:
			s.key = append(append(s.key[:0], metaspaceMark...), text[pos:end]...)
			key = s.key
		default:
			key = unsafe.Slice(unsafe.StringData(text[pos:]), end-pos)
		}
		t.emitPiece(s, key, *word, pp)
		if !fixed {
			*word++
		}
		if end >= hi {
			return
		}
		markStart, hasMark = end, true
		if text[end] == ' ' {
			markEnd = end + 1
		} else {
			markEnd = end + len(metaspaceMark)
		}
		pos = markEnd
	}
}

// unchanged runs the normalizers' checks on text[a:b]: valid UTF-8, no
// charsmap rule applies, stripped ends, no Replace match. It returns the
// range that remains.
func (t *Tokenizer) unchanged(text string, a, b int) (lo, hi int, ok bool) {
	seg := text[a:b]
	if !utf8.ValidString(seg) {
		return 0, 0, false
	}
	lo, hi = a, b
	for _, n := range t.normalizers() {
		switch n := n.(type) {
		case precompiled:
			if n.changes(unsafe.Slice(unsafe.StringData(text[lo:]), hi-lo)) {
				return 0, 0, false
			}
		case strip:
			if n.left {
				for lo < hi {
					r, size := utf8.DecodeRuneInString(text[lo:hi])
					if !unicode.IsSpace(r) {
						break
					}
					lo += size
				}
			}
			if n.right {
				for hi > lo {
					r, size := utf8.DecodeLastRuneInString(text[lo:hi])
					if !unicode.IsSpace(r) {
						break
					}
					hi -= size
				}
			}
		case replace:
			if len(n.pat.find(nil, unsafe.Slice(unsafe.StringData(text[lo:]), hi-lo))) > 0 {
				return 0, 0, false
			}
		}
	}
	return lo, hi, true
}

func hasMarkAt(text string, i int) bool {
	return len(text)-i >= len(metaspaceMark) && text[i] == 0xE2 && text[i+1] == 0x96 && text[i+2] == 0x81
}

// nextMark is the position of the next space or ▁ in text[from:hi], or hi.
func nextMark(text string, from, hi int) int {
	for i := from; i < hi; i++ {
		if c := text[i]; c == ' ' || (c == 0xE2 && hasMarkAt(text[:hi], i)) {
			return i
		}
	}
	return hi
}
