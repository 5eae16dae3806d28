package conll

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/nerkit/nerkit/internal/atomicfile"
)

// checkColumns validates what the writers get and says whether there are
// gold tags to write.
func checkColumns(sents []Sentence, preds [][]string) (gold bool, err error) {
	if preds != nil && len(preds) != len(sents) {
		return false, fmt.Errorf("conll: %d predicted sentences for %d sentences", len(preds), len(sents))
	}
	for i := range sents {
		if sents[i].Tags != nil {
			gold = true
		}
	}
	for i, s := range sents {
		if gold && len(s.Tags) != len(s.Words) {
			return false, fmt.Errorf("conll: sentence %d (line %d): %d gold tags for %d words", i+1, s.Line, len(s.Tags), len(s.Words))
		}
		if preds != nil && len(preds[i]) != len(s.Words) {
			return false, fmt.Errorf("conll: sentence %d (line %d): %d predicted tags for %d words", i+1, s.Line, len(preds[i]), len(s.Words))
		}
	}
	return gold, nil
}

// WriteCoNLL writes one word per line followed by its gold tag (when the
// sentences have tags) and its predicted tag (when preds is not nil), with
// a blank line after each sentence: "token gold pred" is what conlleval.pl
// reads. Tags are converted from IOB2 to scheme (Auto means IOB2), normally
// the scheme the input came in (File.Scheme).
//
// Columns are separated by a space, unless some word contains ASCII
// whitespace (possible when it came from a tab-separated file): then every
// column is separated by a tab, which Read understands and conlleval.pl
// reads with -d '\t' (a file of words only then ends each line with a tab). Words containing a tab or a newline cannot be written.
// Sentences Read returns (token in column 1) read back identically, FuzzRead
// checks; only a first word starting with U+FEFF loses it, as a BOM.
func WriteCoNLL(w io.Writer, sents []Sentence, preds [][]string, scheme Scheme) error {
	gold, err := checkColumns(sents, preds)
	if err != nil {
		return err
	}
	sep := " "
	for i, s := range sents {
		for j, word := range s.Words {
			switch {
			case word == "" || strings.ContainsAny(word, "\t\n"):
				return fmt.Errorf("conll: sentence %d (line %d), word %d: %q cannot be written as a CoNLL column", i+1, s.Line, j+1, word)
			case strings.ContainsAny(word, asciiSpace):
				sep = "\t"
			}
		}
	}
	bw := bufio.NewWriter(w)
	for i, s := range sents {
		var g, p []string
		if gold {
			g = FromIOB2(s.Tags, scheme)
		}
		if preds != nil {
			p = FromIOB2(preds[i], scheme)
		}
		for j, word := range s.Words {
			bw.WriteString(word)
			if g != nil {
				bw.WriteString(sep)
				bw.WriteString(g[j])
			}
			if p != nil {
				bw.WriteString(sep)
				bw.WriteString(p[j])
			}
			if g == nil && p == nil && sep == "\t" {
				// A lone column holding spaces needs a tab to mark the file
				// as tab-separated; Read drops the empty trailing column.
				bw.WriteByte('\t')
			}
			bw.WriteByte('\n')
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// jsonSentence is one line of WriteJSONL's output.
type jsonSentence struct {
	Words []string `json:"words"`
	Tags  []string `json:"tags,omitempty"`
	Pred  []string `json:"pred,omitempty"`
	Line  int      `json:"line,omitempty"`
}

// WriteJSONL writes one JSON object per sentence and line:
// {"words":[...],"tags":[...],"pred":[...],"line":N}. "tags" holds the gold
// tags and "pred" the predictions, each omitted when absent, converted to
// scheme; "line" is the source line, omitted when unknown.
func WriteJSONL(w io.Writer, sents []Sentence, preds [][]string, scheme Scheme) error {
	gold, err := checkColumns(sents, preds)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i, s := range sents {
		js := jsonSentence{Words: s.Words, Line: s.Line}
		if js.Words == nil {
			js.Words = []string{}
		}
		if gold {
			js.Tags = FromIOB2(s.Tags, scheme)
		}
		if preds != nil {
			js.Pred = FromIOB2(preds[i], scheme)
		}
		if err := enc.Encode(js); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteFileAtomic writes a file so that readers see either the old content
// or the complete new one (see internal/atomicfile).
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}
