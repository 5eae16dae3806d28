package tagger

import "unicode/utf8"

// CodePoints turns byte offsets into a text into code-point offsets
// (Python string indexes). Offsets asked in increasing order cost one pass
// over the text in all: each count starts where the previous one stopped,
// so a text's words or entities are converted in linear time, not in time
// quadratic in its length.
type CodePoints struct {
	text        string
	byteOff, at int // at code points precede byte offset byteOff
}

// NewCodePoints starts counting at the beginning of text.
func NewCodePoints(text string) *CodePoints { return &CodePoints{text: text} }

// At returns the number of code points in text[:b]. An offset before the
// previous one counts again from the start.
func (c *CodePoints) At(b int) int {
	if b < c.byteOff {
		c.byteOff, c.at = 0, 0
	}
	c.at += utf8.RuneCountInString(c.text[c.byteOff:b])
	c.byteOff = b
	return c.at
}
