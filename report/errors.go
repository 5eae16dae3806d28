package report

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// WordError is one word whose predicted tag differs from the gold tag.
type WordError struct {
	SentenceID string
	WordIndex  int      // 0-based position of the word in its sentence
	Words      []string // the whole sentence, for context; may be nil
	Word       string   // defaults to Words[WordIndex]
	Gold, Pred string
	Confidence float64 // the model's probability of Pred; NaN if unknown
}

// ContextWords is how many words either side of an error errors.tsv shows.
const ContextWords = 4

// CollectErrors returns the words of one sentence whose predicted tag
// differs from the gold one. conf may be nil (confidence unknown).
func CollectErrors(sentenceID string, words, gold, pred []string, conf []float64) ([]WordError, error) {
	if len(gold) != len(words) || len(pred) != len(words) || (conf != nil && len(conf) != len(words)) {
		return nil, fmt.Errorf("report: sentence %s: %d words, %d gold tags, %d predicted tags, %d confidences",
			sentenceID, len(words), len(gold), len(pred), len(conf))
	}
	var errs []WordError
	for i := range words {
		if gold[i] == pred[i] {
			continue
		}
		c := math.NaN()
		if conf != nil {
			c = conf[i]
		}
		errs = append(errs, WordError{SentenceID: sentenceID, WordIndex: i, Words: words, Word: words[i], Gold: gold[i], Pred: pred[i], Confidence: c})
	}
	return errs, nil
}

// sortErrors orders errors most confident first (confident mistakes are the
// ones worth reading: label noise or systematic confusions); unknown
// confidence goes last, and ties keep sentence and word order.
func sortErrors(errs []WordError) []WordError {
	sorted := slices.Clone(errs)
	slices.SortStableFunc(sorted, func(a, b WordError) int {
		aNaN, bNaN := math.IsNaN(a.Confidence), math.IsNaN(b.Confidence)
		switch {
		case aNaN != bNaN:
			if aNaN {
				return 1
			}
			return -1
		case !aNaN && a.Confidence != b.Confidence:
			return cmp.Compare(b.Confidence, a.Confidence)
		}
		if c := compareIDs(a.SentenceID, b.SentenceID); c != 0 {
			return c
		}
		return cmp.Compare(a.WordIndex, b.WordIndex)
	})
	return sorted
}

// compareIDs orders numeric IDs by value ("9" before "10"), others as text.
func compareIDs(a, b string) int {
	ai, aErr := strconv.Atoi(a)
	bi, bErr := strconv.Atoi(b)
	if aErr == nil && bErr == nil {
		return cmp.Compare(ai, bi)
	}
	return strings.Compare(a, b)
}

// escapeTSV keeps a field on one line and in one column, using the escapes
// of the "linear TSV" convention (\t, \n, \r, \\) that most readers undo.
func escapeTSV(s string) string {
	if !strings.ContainsAny(s, "\t\n\r\\") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// errorContext shows up to ContextWords words either side, the word itself
// marked [[like this]] and "…" where the sentence goes on.
func errorContext(e WordError) string {
	if e.WordIndex < 0 || e.WordIndex >= len(e.Words) {
		return "[[" + e.word() + "]]"
	}
	lo, hi := max(0, e.WordIndex-ContextWords), min(len(e.Words), e.WordIndex+ContextWords+1)
	parts := make([]string, 0, hi-lo+2)
	if lo > 0 {
		parts = append(parts, "…")
	}
	for i := lo; i < hi; i++ {
		if i == e.WordIndex {
			parts = append(parts, "[["+e.Words[i]+"]]")
		} else {
			parts = append(parts, e.Words[i])
		}
	}
	if hi < len(e.Words) {
		parts = append(parts, "…")
	}
	return strings.Join(parts, " ")
}

func (e WordError) word() string {
	if e.Word == "" && e.WordIndex >= 0 && e.WordIndex < len(e.Words) {
		return e.Words[e.WordIndex]
	}
	return e.Word
}

// errorsHeader is the first line of errors.tsv.
var errorsHeader = []string{"sentence_id", "word_index", "word", "gold", "pred", "confidence", "context"}

// WriteErrors writes errs to path as tab-separated values with a header row,
// most confident errors first. word_index is 0-based; confidence has four
// decimals and is empty when unknown. Tabs, newlines and backslashes inside
// fields are escaped as \t, \n, \r and \\.
func WriteErrors(path string, errs []WordError) error {
	sorted := sortErrors(errs)
	return writeFileAtomic(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, strings.Join(errorsHeader, "\t")+"\n"); err != nil {
			return err
		}
		fields := make([]string, len(errorsHeader))
		for _, e := range sorted {
			conf := ""
			if !math.IsNaN(e.Confidence) {
				conf = strconv.FormatFloat(e.Confidence, 'f', 4, 64)
			}
			fields[0] = escapeTSV(e.SentenceID)
			fields[1] = strconv.Itoa(e.WordIndex)
			fields[2] = escapeTSV(e.word())
			fields[3] = escapeTSV(e.Gold)
			fields[4] = escapeTSV(e.Pred)
			fields[5] = conf
			fields[6] = escapeTSV(errorContext(e))
			if _, err := io.WriteString(w, strings.Join(fields, "\t")+"\n"); err != nil {
				return err
			}
		}
		return nil
	})
}
