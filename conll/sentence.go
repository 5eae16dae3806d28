// Package conll reads and writes CoNLL-style NER files: one token per line with
// its tag, blank lines between sentences.
package conll

// Sentence is one sentence of a CoNLL file. Tags are always IOB2 inside
// nerkit, whatever scheme the file used; the reader converts on the way in.
type Sentence struct {
	Words []string
	Tags  []string // IOB2; nil for unlabelled input
	Line  int      // 1-based line of the first word in the source file
}
