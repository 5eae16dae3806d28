// Package conll reads and writes CoNLL-style NER files: one token per line with
// its tag, blank lines between sentences.
//
// The reader accepts the layouts users have: two or more columns separated by
// spaces or tabs (CoNLL-2003's "token POS chunk NER" included), -DOCSTART-
// lines, '#' comment lines, CRLF line ends and a UTF-8 BOM. Tags may be IOB2,
// IOB1, BIOES or BILOU; inside nerkit they are always IOB2 and the writers
// convert back to the scheme the input came in.
package conll

// Sentence is one sentence of a CoNLL file. Tags are always IOB2 inside
// nerkit, whatever scheme the file used; the reader converts on the way in.
type Sentence struct {
	Words []string
	Tags  []string // IOB2; nil for unlabelled input
	Line  int      // 1-based line of the first word in the source file

	// WordLines holds the 1-based source line of each word, so later
	// stages can point at the exact line (comment lines may sit inside a
	// sentence, so lines are not always consecutive). Nil when the
	// sentence was not read from a file.
	WordLines []int
}

// lineOf returns the source line of word i, falling back to the sentence's
// first line when per-word lines are unknown.
func (s *Sentence) lineOf(i int) int {
	if i < len(s.WordLines) {
		return s.WordLines[i]
	}
	return s.Line
}
