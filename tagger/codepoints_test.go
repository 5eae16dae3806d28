package tagger

import (
	"testing"
	"unicode/utf8"
)

// At agrees with counting from the start, for offsets in order, repeated,
// and going back.
func TestCodePointsAt(t *testing.T) {
	text := "Ёлка 🎄 in Zürich, naïve café — 東京"
	c := NewCodePoints(text)
	var offsets []int
	for b := range text { // every character boundary, in order
		offsets = append(offsets, b)
	}
	offsets = append(offsets, len(text), len(text), 0, 8, 4, len(text))
	for _, b := range offsets {
		if got, want := c.At(b), utf8.RuneCountInString(text[:b]); got != want {
			t.Fatalf("At(%d) = %d, want %d", b, got, want)
		}
	}
}
