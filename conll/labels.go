package conll

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// LabelSet is the ordered list of tags a model predicts; a tag's position is
// its class id.
type LabelSet struct {
	labels []string
	index  map[string]int
}

// NewLabelSet builds a label set from tags in id order. Tags must be valid
// and distinct.
func NewLabelSet(labels []string) (*LabelSet, error) {
	l := &LabelSet{labels: append([]string(nil), labels...), index: make(map[string]int, len(labels))}
	for i, t := range labels {
		if !ValidTag(t) {
			return nil, fmt.Errorf("label %d: invalid tag %q: want O, or B-, I-, E-, S- followed by a type", i, t)
		}
		if j, dup := l.index[t]; dup {
			return nil, fmt.Errorf("label %q appears twice (ids %d and %d)", t, j, i)
		}
		l.index[t] = i
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("empty label set")
	}
	return l, nil
}

// LabelsFromSentences builds the label set of training data: "O" first,
// then B-TYPE, I-TYPE for each entity type in alphabetical order. Sorting
// makes ids independent of the order of the file; I- is included even for
// types seen only as single-token entities, so the model can predict it.
func LabelsFromSentences(sents []Sentence) *LabelSet {
	seen := map[string]bool{}
	for _, s := range sents {
		for _, t := range s.Tags {
			if typ := tagType(t); typ != "" {
				seen[typ] = true
			}
		}
	}
	types := make([]string, 0, len(seen))
	for t := range seen {
		types = append(types, t)
	}
	sort.Strings(types)
	labels := []string{"O"}
	for _, t := range types {
		labels = append(labels, "B-"+t, "I-"+t)
	}
	l, err := NewLabelSet(labels)
	if err != nil {
		panic(err) // types come from valid tags, so this cannot happen
	}
	return l
}

// LabelsFromID2Label reads a Hugging Face config's id2label map, whose keys
// are the decimal ids "0".."n-1".
func LabelsFromID2Label(id2label map[string]string) (*LabelSet, error) {
	labels := make([]string, len(id2label))
	for k, v := range id2label {
		id, err := strconv.Atoi(k)
		if err != nil || id < 0 || id >= len(id2label) || strconv.Itoa(id) != k {
			return nil, fmt.Errorf("id2label key %q: want ids 0..%d", k, len(id2label)-1)
		}
		labels[id] = v
	}
	return NewLabelSet(labels)
}

// PresetLabels is the CoNLL-2003 label set in the order most published
// checkpoints use: O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC, B-MISC, I-MISC.
func PresetLabels() *LabelSet {
	l, _ := NewLabelSet([]string{"O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"})
	return l
}

// Labels returns the tags in id order (a copy).
func (l *LabelSet) Labels() []string { return append([]string(nil), l.labels...) }

// Len is the number of labels.
func (l *LabelSet) Len() int { return len(l.labels) }

// Label returns the tag with the given id.
func (l *LabelSet) Label(id int) string { return l.labels[id] }

// Index returns the id of tag.
func (l *LabelSet) Index(tag string) (int, bool) {
	i, ok := l.index[tag]
	return i, ok
}

// ID2Label returns the map a Hugging Face config stores.
func (l *LabelSet) ID2Label() map[string]string {
	m := make(map[string]string, len(l.labels))
	for i, t := range l.labels {
		m[strconv.Itoa(i)] = t
	}
	return m
}

// String lists the labels: "O, B-PER, I-PER".
func (l *LabelSet) String() string { return strings.Join(l.labels, ", ") }

// Validate checks that every tag of f is in the label set. The error names
// the first unknown tag with its file and line, and how many more lines
// have unknown tags.
func (l *LabelSet) Validate(f *File) error {
	if !f.Labelled {
		return &ParseError{File: f.Name, Msg: "the file has no tags to check against the label set"}
	}
	var first *ParseError
	more := 0
	for i := range f.Sentences {
		s := &f.Sentences[i]
		for j, t := range s.Tags {
			if _, ok := l.index[t]; ok {
				continue
			}
			if first != nil {
				more++
				continue
			}
			first = &ParseError{File: f.Name, Line: s.lineOf(j),
				Msg: fmt.Sprintf("tag %q is not in the model's labels (%s)", t, l)}
		}
	}
	if first == nil {
		return nil
	}
	if more > 0 {
		first.Msg += fmt.Sprintf("; %d more token(s) have unknown tags", more)
	}
	return first
}
