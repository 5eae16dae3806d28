package unigram

import (
	"unicode"
	"unicode/utf8"
)

//go:generate go run ./internal/gentables testdata/hf_graphemes.json.gz grapheme_tables.go

// HF's Precompiled normalizer works on extended grapheme clusters (the
// unicode-segmentation crate). Only clusters shorter than 6 bytes are
// treated differently from their characters one by one, so what matters is
// telling exactly where such short clusters end; the character properties
// below come from HF's observed grouping of every code point
// (tools/tokbench/probe_graphemes.js), the rules from UAX #29.
const (
	gJoin      uint8 = 1 << iota // Extend, ZWJ or SpacingMark: joins the character before (GB9, GB9a)
	gPrepend                     // joins the character after (GB9b)
	gControl                     // CR, LF, Control: a cluster of its own (GB4, GB5)
	gPict                        // Extended_Pictographic (GB11)
	gConsonant                   // Indic conjunct consonant (GB9c)
	gLinker                      // Indic conjunct linker (virama) (GB9c)
	gHangul                      // a Hangul jamo or syllable (GB6-GB8); its kind is hangulKind's
)

type runeRange struct{ lo, hi rune }

// bmpGrapheme holds the properties of every code point below 0x10000.
var bmpGrapheme = buildGraphemeTable()

func buildGraphemeTable() []uint8 {
	t := make([]uint8, 0x10000)
	for _, p := range []struct {
		flag   uint8
		ranges []runeRange
	}{{gJoin, hfJoin}, {gPrepend, hfPrepend}, {gControl, hfControl}, {gPict, hfPict}, {gConsonant, hfConsonant}} {
		for _, r := range p.ranges {
			for x := r.lo; x <= r.hi && x < 0x10000; x++ {
				t[x] |= p.flag
			}
		}
	}
	for _, r := range indicLinkers {
		t[r] |= gLinker
	}
	for r := rune(0); r < 0x10000; r++ {
		if hangulKind(r) != hangulNone {
			t[r] |= gHangul
		}
	}
	return t
}

// indicLinkers are Unicode's Indic_Conjunct_Break=Linker characters (the
// viramas of Devanagari, Bengali, Gujarati, Oriya, Telugu and Malayalam).
var indicLinkers = []rune{0x094D, 0x09CD, 0x0ACD, 0x0B4D, 0x0C4D, 0x0D4D}

func graphemeFlags(r rune) uint8 {
	if r < 0x10000 {
		return bmpGrapheme[r]
	}
	var f uint8
	for _, p := range []struct {
		flag   uint8
		ranges []runeRange
	}{{gJoin, hfJoin}, {gPrepend, hfPrepend}, {gControl, hfControl}, {gPict, hfPict}, {gConsonant, hfConsonant}} {
		if inRanges(r, p.ranges) {
			f |= p.flag
		}
	}
	return f
}

func inRanges(r rune, rs []runeRange) bool {
	lo, hi := 0, len(rs)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r < rs[m].lo:
			hi = m
		case r > rs[m].hi:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

const (
	hangulNone = iota
	hangulL
	hangulV
	hangulT
	hangulLV
	hangulLVT
)

// hangulKind is the Hangul_Syllable_Type of r.
func hangulKind(r rune) int {
	switch {
	case r >= 0x1100 && r <= 0x115F, r >= 0xA960 && r <= 0xA97C:
		return hangulL
	case r >= 0x1160 && r <= 0x11A7, r >= 0xD7B0 && r <= 0xD7C6:
		return hangulV
	case r >= 0x11A8 && r <= 0x11FF, r >= 0xD7CB && r <= 0xD7FB:
		return hangulT
	case r >= 0xAC00 && r <= 0xD7A3:
		if (r-0xAC00)%28 == 0 {
			return hangulLV
		}
		return hangulLVT
	}
	return hangulNone
}

const zwj = 0x200D

// clusterEnd returns where the grapheme cluster that starts at s[i] ends
// (s is valid UTF-8).
func clusterEnd(s []byte, i int) int {
	prev, n := decodeAt(s, i)
	pf := graphemeFlags(prev)
	j := i + n
	// GB9c and GB11 look back over a run: conj is 1 after a consonant
	// (and extends), 2 once a linker followed; pict is 1 after a
	// pictograph (and extends), 2 once a ZWJ followed.
	conj, pict := 0, 0
	track := func(r rune, f uint8) {
		switch {
		case f&gConsonant != 0:
			conj = 1
		case conj > 0 && f&gLinker != 0:
			conj = 2
		case conj > 0 && isExtend(r, f):
		default:
			conj = 0
		}
		switch {
		case f&gPict != 0:
			pict = 1
		case pict == 1 && r == zwj:
			pict = 2
		case pict == 1 && isExtend(r, f):
		default:
			pict = 0
		}
	}
	track(prev, pf)
	for j < len(s) {
		r, n := decodeAt(s, j)
		f := graphemeFlags(r)
		if !noBreak(prev, pf, r, f, conj, pict) {
			break
		}
		track(r, f)
		prev, pf = r, f
		j += n
	}
	return j
}

// noBreak reports whether UAX #29 keeps b with a before it.
func noBreak(a rune, af uint8, b rune, bf uint8, conj, pict int) bool {
	switch {
	case a == '\r' && b == '\n': // GB3
		return true
	case af&gControl != 0, bf&gControl != 0: // GB4, GB5
		return false
	case af&gHangul != 0 && bf&gHangul != 0 && hangulJoins(hangulKind(a), hangulKind(b)): // GB6-GB8
		return true
	case bf&gJoin != 0: // GB9, GB9a
		return true
	case af&gPrepend != 0: // GB9b
		return true
	case bf&gConsonant != 0 && conj == 2: // GB9c
		return true
	case a == zwj && bf&gPict != 0 && pict == 2: // GB11
		return true
	}
	return false
}

func hangulJoins(a, b int) bool {
	switch a {
	case hangulL:
		return b == hangulL || b == hangulV || b == hangulLV || b == hangulLVT
	case hangulLV, hangulV:
		return b == hangulV || b == hangulT
	case hangulLVT, hangulT:
		return b == hangulT
	}
	return false
}

// isExtend tells Extend (and ZWJ, for GB9c) apart from SpacingMark among
// the joining characters: spacing marks are category Mc.
func isExtend(r rune, f uint8) bool {
	return f&gJoin != 0 && f&gLinker == 0 && !unicode.Is(unicode.Mc, r)
}

func decodeAt(s []byte, i int) (rune, int) {
	if s[i] < utf8.RuneSelf {
		return rune(s[i]), 1
	}
	return utf8.DecodeRune(s[i:])
}
