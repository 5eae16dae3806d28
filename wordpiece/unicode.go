package wordpiece

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// runeRange is an inclusive range of code points.
type runeRange struct{ lo, hi rune }

//go:generate go run ./internal/gentables testdata/hf_unicode.json.gz unicode_tables.go

// Character classes as Hugging Face's BertNormalizer and BertPreTokenizer see
// them (generated tables in unicode_tables.go).
const (
	fRemove  uint8 = 1 << iota // dropped by clean_text
	fSpace                     // mapped to ' ' by clean_text
	fSplit                     // whitespace the pre-tokenizer splits on
	fPunct                     // its own word in the pre-tokenizer
	fChinese                   // padded with spaces by handle_chinese_chars
	fStrip                     // changed by strip_accents
	fLower                     // changed by lowercase
	fMark                      // canonical combining class > 0: NFD may reorder it
)

var (
	flagsOnce  sync.Once
	flagsTable []uint8 // indexed by code point; one byte each keeps lookups to a single load
)

// runeFlags returns the flag table, building it on first use (a few ms) so
// programs that never tokenise pay nothing.
func runeFlags() []uint8 {
	flagsOnce.Do(func() {
		t := make([]uint8, unicode.MaxRune+1)
		set := func(rs []runeRange, f uint8) {
			for _, r := range rs {
				for c := r.lo; c <= r.hi; c++ {
					t[c] |= f
				}
			}
		}
		set(hfRemoved, fRemove)
		set(hfSpace, fSpace)
		set(hfSplit, fSplit)
		set(hfPunct, fPunct)
		set(hfChinese, fChinese)
		set(hfStripChanges, fStrip)
		set(hfLowerChanges, fLower)
		set(nonzeroCCC, fMark)
		flagsTable = t
	})
	return flagsTable
}

// inRanges reports whether r lies in one of the sorted ranges rs.
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

// appendLower appends r lowercased as Rust's char::to_lowercase does (full
// mapping, so U+0130 becomes two characters).
func appendLower(dst []byte, r rune) []byte {
	if s, ok := hfLowerOverride[r]; ok {
		return append(dst, s...)
	}
	return utf8.AppendRune(dst, unicode.ToLower(r))
}
