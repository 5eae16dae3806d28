package unigram

import "unicode/utf8"

// nstr is Hugging Face's NormalizedString: the normalized text of a piece
// of the original and, for every normalized byte, the original byte range
// it came from. Alignments here are absolute offsets into the text given to
// Encode (HF keeps them relative to each slice and adds the slice's shift
// back when it reports offsets; the sums are the same).
type nstr struct {
	s     []byte
	align [][2]int32
	// orig is the original range this string stands for (HF's
	// offsets_original): where its first byte's source starts and its last
	// byte's source ends when it was sliced out.
	orig [2]int32
}

// change is one element of HF's transformation lists: a character and how
// it relates to the characters it replaces (0: replaces one, 1: is added,
// -n: replaces one and removes the n after it).
type change struct {
	r rune
	n int
}

// newNstr is text[a:b] unnormalized: every byte aligned to its character.
// A byte that does not start valid UTF-8 (which HF cannot receive) becomes
// U+FFFD, aligned to that byte, so that everything after sees valid UTF-8.
func newNstr(dst *nstr, text string, a, b int) {
	dst.s, dst.align = dst.s[:0], dst.align[:0]
	for i := a; i < b; {
		r, n := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(text[i:b])
		}
		from := len(dst.s)
		if r == utf8.RuneError && n == 1 {
			dst.s = utf8.AppendRune(dst.s, utf8.RuneError)
		} else {
			dst.s = append(dst.s, text[i:i+n]...)
		}
		for k := from; k < len(dst.s); k++ {
			dst.align = append(dst.align, [2]int32{int32(i), int32(i + n)})
		}
		i += n
	}
	dst.orig = [2]int32{int32(a), int32(b)}
}

// runeLen is the length of the (valid UTF-8) character at s[i].
func runeLen(s []byte, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRune(s[i:])
	return n
}

// fullRange is HF's convert_offsets(Range::Original(..)): the normalized
// range whose sources lie within the original range.
func (n *nstr) fullRange() (lo, hi int) {
	lo, hi = -1, -1
	for i, a := range n.align {
		if a[1] > n.orig[1] {
			break
		}
		if lo < 0 && n.orig[0] <= a[0] && a[0] != a[1] {
			lo = i
		}
		hi = i + 1
	}
	switch {
	case lo >= 0 && hi >= 0:
		return lo, hi
	case lo >= 0:
		return lo, lo
	case hi >= 0:
		return hi, hi
	}
	return 0, 0
}

// transform is HF's NormalizedString::transform: the characters of the
// whole string are replaced by dest, initialOffset of them being removed
// first; alignments follow HF's rules (an added character takes the
// alignment of the byte before it).
func (n *nstr) transform(dest []change, initialOffset int, sc *nstr) {
	lo, hi := n.fullRange()
	n.transformRange(lo, hi, dest, initialOffset, sc)
}

// transformRange is HF's transform_range over normalized bytes [lo, hi);
// sc is scratch space.
func (n *nstr) transformRange(lo, hi int, dest []change, initialOffset int, sc *nstr) {
	next := lo // the next character of [lo, hi) to be replaced
	take := func() int {
		if next >= hi {
			return 0
		}
		size := runeLen(n.s, next)
		next += size
		return size
	}
	for k := 0; k < initialOffset; k++ {
		take()
	}
	offset := next
	out := append(sc.s[:0], n.s[:lo]...)
	outA := append(sc.align[:0], n.align[:lo]...)
	for _, d := range dest {
		a := [2]int32{n.orig[0], n.orig[0]} // HF's (0, 0), relative to this string
		switch {
		case len(n.align) == 0:
		case d.n > 0 && offset >= 1:
			a = n.align[min(offset, len(n.align))-1]
		case d.n <= 0:
			a = n.align[min(offset, len(n.align)-1)]
		}
		if d.n <= 0 {
			offset += take()
		}
		for k := 0; k < -d.n; k++ {
			offset += take()
		}
		from := len(out)
		out = utf8.AppendRune(out, d.r)
		for k := from; k < len(out); k++ {
			outA = append(outA, a)
		}
	}
	out = append(out, n.s[hi:]...)
	outA = append(outA, n.align[hi:]...)
	n.s, sc.s = out, n.s[:0]
	n.align, sc.align = outA, n.align[:0]
}

// replaceMatches is HF's NormalizedString::replace for the given matches
// ([start, end) byte ranges, in order, not overlapping): each is replaced by
// content, whose characters all take the alignment of the match's last
// byte.
func (n *nstr) replaceMatches(matches [][2]int, content string, sc *nstr) {
	if len(matches) == 0 {
		return
	}
	s, align := sc.s[:0], sc.align[:0]
	last := 0
	for _, m := range matches {
		s = append(s, n.s[last:m[0]]...)
		align = append(align, n.align[last:m[0]]...)
		var a [2]int32
		if m[1] < 1 {
			a = [2]int32{n.orig[0], n.orig[0]}
		} else {
			a = n.align[m[1]-1]
		}
		from := len(s)
		s = append(s, content...)
		for k := from; k < len(s); k++ {
			align = append(align, a)
		}
		last = m[1]
	}
	s = append(s, n.s[last:]...)
	align = append(align, n.align[last:]...)
	n.s, sc.s = s, n.s[:0]
	n.align, sc.align = align, n.align[:0]
}

// prepend is HF's NormalizedString::prepend: p goes before the first
// character, taking that character's alignment. Nothing happens to an empty
// string.
func (n *nstr) prepend(p string, sc *nstr) {
	if len(n.s) == 0 {
		return
	}
	first, size := utf8.DecodeRune(n.s)
	dest := make([]change, 0, 4)
	for i, r := range []rune(p) {
		dest = append(dest, change{r, min(i, 1)})
	}
	dest = append(dest, change{first, 1})
	n.transformRange(0, size, dest, 0, sc)
}

// slice is HF's NormalizedString::slice of normalized bytes [lo, hi).
func (n *nstr) slice(dst *nstr, lo, hi int) {
	dst.s = append(dst.s[:0], n.s[lo:hi]...)
	dst.align = append(dst.align[:0], n.align[lo:hi]...)
	if lo < hi {
		dst.orig = [2]int32{n.align[lo][0], n.align[hi-1][1]}
	} else {
		dst.orig = [2]int32{n.orig[0], n.orig[0]}
	}
}

// offsets converts normalized bytes [lo, hi) to an original range (HF's
// convert_offsets on a normalized range).
func (n *nstr) offsets(lo, hi int) [2]int {
	if lo >= hi {
		return [2]int{int(n.orig[0]) + lo, int(n.orig[0]) + hi}
	}
	return [2]int{int(n.align[lo][0]), int(n.align[hi-1][1])}
}
