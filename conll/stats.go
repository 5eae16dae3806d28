package conll

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
)

// Stats summarises a file for `nerkit stats`.
type Stats struct {
	File             string         `json:"file"`
	Sentences        int            `json:"sentences"`
	Tokens           int            `json:"tokens"`
	Entities         map[string]int `json:"entities"` // entity type -> count
	Scheme           Scheme         `json:"scheme"`
	Detection        string         `json:"detection"`
	Violations       int            `json:"violations"`
	ViolationDetails []Violation    `json:"violation_details,omitempty"`
	// LongestSentence (in words, with its line) matters for BERT's
	// maximum sequence length.
	LongestSentence     int `json:"longest_sentence"`
	LongestSentenceLine int `json:"longest_sentence_line"`
}

// ComputeStats counts sentences, tokens and entities of f. Entities are
// counted on the IOB2 tags as conlleval does: an entity starts at B-X, or at
// I-X that does not continue an X entity.
func ComputeStats(f *File) Stats {
	st := Stats{
		File:             f.Name,
		Sentences:        len(f.Sentences),
		Entities:         map[string]int{},
		Scheme:           f.Scheme,
		Detection:        f.Detection,
		Violations:       len(f.Violations),
		ViolationDetails: f.Violations,
	}
	for _, s := range f.Sentences {
		st.Tokens += len(s.Words)
		if len(s.Words) > st.LongestSentence {
			st.LongestSentence, st.LongestSentenceLine = len(s.Words), s.Line
		}
		for i, t := range s.Tags {
			p, typ, ok := splitTag(t)
			if ok && (p == 'B' || p == 'I' && (i == 0 || tagType(s.Tags[i-1]) != typ)) {
				st.Entities[typ]++
			}
		}
	}
	return st
}

// maxListedViolations bounds the violations WriteText lists; JSON has all.
const maxListedViolations = 20

// WriteText prints the stats for people.
func (st Stats) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "file:\t%s\n", st.File)
	fmt.Fprintf(tw, "scheme:\t%s\n", st.Detection)
	fmt.Fprintf(tw, "sentences:\t%d\n", st.Sentences)
	fmt.Fprintf(tw, "tokens:\t%d\n", st.Tokens)
	fmt.Fprintf(tw, "longest sentence:\t%d words (line %d)\n", st.LongestSentence, st.LongestSentenceLine)
	total := 0
	types := make([]string, 0, len(st.Entities))
	for t, n := range st.Entities {
		types = append(types, t)
		total += n
	}
	sort.Strings(types)
	fmt.Fprintf(tw, "entities:\t%d\n", total)
	for _, t := range types {
		fmt.Fprintf(tw, "  %s\t%d\n", t, st.Entities[t])
	}
	fmt.Fprintf(tw, "violations:\t%d\n", st.Violations)
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, v := range st.ViolationDetails {
		if i == maxListedViolations {
			_, err := fmt.Fprintf(w, "  ... and %d more (see --json)\n", len(st.ViolationDetails)-i)
			return err
		}
		if _, err := fmt.Fprintf(w, "  %s\n", v); err != nil {
			return err
		}
	}
	return nil
}
