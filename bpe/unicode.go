package bpe

import "unicode/utf8"

//go:generate go run ./internal/gentables testdata/hf_bytelevel.json.gz unicode_tables.go

// The classes of GPT-2's pre-tokenizer regex. Every character is exactly
// one of them.
const (
	classOther  uint8 = iota // [^\s\p{L}\p{N}]
	classLetter              // \p{L}
	classNumber              // \p{N}
	classSpace               // \s
)

type runeRange struct{ lo, hi rune }

// bmpClass holds the class of every code point below 0x10000; the rest are
// looked up in the range tables.
var bmpClass = buildBMPClass()

func buildBMPClass() []uint8 {
	t := make([]uint8, 0x10000)
	for _, c := range []struct {
		class  uint8
		ranges []runeRange
	}{{classLetter, hfLetter}, {classNumber, hfNumber}, {classSpace, hfSpace}} {
		for _, r := range c.ranges {
			for x := r.lo; x <= r.hi && x < 0x10000; x++ {
				t[x] = c.class
			}
		}
	}
	return t
}

// runeClass returns the class of r.
func runeClass(r rune) uint8 {
	if r < 0x10000 {
		if r < 0 {
			return classOther
		}
		return bmpClass[r]
	}
	switch {
	case inRanges(r, hfLetter):
		return classLetter
	case inRanges(r, hfNumber):
		return classNumber
	case inRanges(r, hfSpace):
		return classSpace
	}
	return classOther
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

// classAt returns the class and byte length of the character at s[i]. A
// byte that does not start valid UTF-8 (which HF cannot receive) is a
// character of its own, of class other.
func classAt(s string, i int) (uint8, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return bmpClass[c], 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && n == 1 {
		return classOther, 1
	}
	return runeClass(r), n
}
