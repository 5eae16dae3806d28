package crf

import (
	"fmt"
	"strings"

	"github.com/nerkit/nerkit/conll"
)

// Edges says whether a run of words touches its sentence's ends. A whole
// sentence has both; a window cut from a long sentence may have neither,
// and then the start (or end) scores and rules do not apply to it: a window
// may well begin inside an entity, with I-X.
type Edges uint8

// The edges of a run of words.
const (
	SentenceStart Edges = 1 << iota // the first word begins the sentence
	SentenceEnd                     // the last word ends the sentence
	WholeSentence = SentenceStart | SentenceEnd
)

// Constraints are the label transitions a tagging scheme allows, for one
// label set. Label ids are positions in the label list.
//
//   - IOB2: I-X only after B-X or I-X; a sentence cannot begin with I-X.
//   - BIOES (and BILOU, with L for E and U for S): after B-X or I-X (an
//     entity still open) only I-X or E-X; I-X and E-X only there; a
//     sentence cannot begin with I-X or E-X nor end with B-X or I-X.
//   - IOB1 allows every sequence (I-X may begin an entity anywhere).
//
// Inside nerkit tags are IOB2 whatever the file used, so a model trained by
// nerkit has IOB2 labels; BIOES and BILOU matter for label sets that come
// with imported checkpoints.
type Constraints struct {
	labels []string
	scheme conll.Scheme
	tags   []tagParts
	start  []bool // start[j]: a sentence may begin with label j
	end    []bool // end[i]: a sentence may end with label i
	trans  []bool // trans[i*L+j]: label j may follow label i
}

// tagParts is a label split into its role and entity type.
type tagParts struct {
	prefix byte   // 'O', 'B', 'I', 'E' or 'S' (BILOU's L and U read as E and S)
	typ    string // "" for O
}

// open reports whether the tag leaves an entity unfinished, so that the
// next tag may continue it.
func (p tagParts) open() bool { return p.prefix == 'B' || p.prefix == 'I' }

// continues reports whether the tag can only extend an entity begun before.
func (p tagParts) continues() bool { return p.prefix == 'I' || p.prefix == 'E' }

// NewConstraints derives the allowed transitions of labels under scheme.
// conll.Auto detects the scheme from the label set: BIOES if it has E- or
// S- labels, BILOU if it has L- or U- labels, IOB2 otherwise. Every label
// must be O or PREFIX-TYPE with a prefix the scheme uses, and some label
// must be able to begin, repeat and end a sentence (O does), so that every
// sentence length has a valid tag sequence.
func NewConstraints(labels []string, scheme conll.Scheme) (*Constraints, error) {
	if len(labels) == 0 {
		return nil, fmt.Errorf("crf: empty label set")
	}
	c := &Constraints{labels: append([]string(nil), labels...), tags: make([]tagParts, len(labels))}
	for i, l := range labels {
		p, err := parseTag(l)
		if err != nil {
			return nil, fmt.Errorf("crf: label %d: %w", i, err)
		}
		c.tags[i] = p
	}
	var err error
	if c.scheme, err = resolveScheme(labels, scheme); err != nil {
		return nil, err
	}
	for i := range c.tags {
		c.tags[i].prefix = canonicalPrefix(c.tags[i].prefix)
	}
	c.derive()
	if !c.feasible() {
		return nil, fmt.Errorf("crf: no label of %s can begin, repeat and end a sentence under %s", strings.Join(labels, ", "), c.scheme)
	}
	return c, nil
}

// parseTag splits O or PREFIX-TYPE.
func parseTag(tag string) (tagParts, error) {
	if tag == "O" {
		return tagParts{prefix: 'O'}, nil
	}
	if len(tag) < 3 || tag[1] != '-' || !strings.ContainsRune("BIESLU", rune(tag[0])) {
		return tagParts{}, fmt.Errorf("tag %q is neither O nor B-, I-, E-, S-, L- or U- followed by a type", tag)
	}
	return tagParts{prefix: tag[0], typ: tag[2:]}, nil
}

// canonicalPrefix reads BILOU's L (last) and U (unit) as BIOES's E and S.
func canonicalPrefix(p byte) byte {
	switch p {
	case 'L':
		return 'E'
	case 'U':
		return 'S'
	}
	return p
}

// schemePrefixes lists the prefixes a scheme's tags may carry, besides O.
func schemePrefixes(s conll.Scheme) string {
	switch s {
	case conll.BIOES:
		return "BIES"
	case conll.BILOU:
		return "BILU"
	}
	return "BI"
}

// resolveScheme checks that the labels use only the scheme's prefixes,
// detecting the scheme first when it is Auto.
func resolveScheme(labels []string, scheme conll.Scheme) (conll.Scheme, error) {
	has := func(prefixes string) string {
		for _, l := range labels {
			if l != "O" && strings.ContainsRune(prefixes, rune(l[0])) {
				return l
			}
		}
		return ""
	}
	if scheme == conll.Auto {
		switch es, lu := has("ES"), has("LU"); {
		case es != "" && lu != "":
			return 0, fmt.Errorf("crf: labels mix BIOES (%s) and BILOU (%s)", es, lu)
		case es != "":
			scheme = conll.BIOES
		case lu != "":
			scheme = conll.BILOU
		default:
			scheme = conll.IOB2
		}
	}
	switch scheme {
	case conll.IOB2, conll.IOB1, conll.BIOES, conll.BILOU:
	default:
		return 0, fmt.Errorf("crf: unknown tag scheme %v", scheme)
	}
	for _, l := range labels {
		if l != "O" && !strings.ContainsRune(schemePrefixes(scheme), rune(l[0])) {
			return 0, fmt.Errorf("crf: label %q is not a %s tag", l, scheme)
		}
	}
	return scheme, nil
}

// derive fills start, end and trans from the scheme's rules.
func (c *Constraints) derive() {
	n := len(c.tags)
	c.start, c.end, c.trans = make([]bool, n), make([]bool, n), make([]bool, n*n)
	begin := tagParts{prefix: 'O'} // the start state behaves like a closed tag
	for j, t := range c.tags {
		c.start[j] = c.follows(begin, t)
		c.end[j] = c.closes(t)
		for i, p := range c.tags {
			c.trans[i*n+j] = c.follows(p, t)
		}
	}
}

// follows reports whether next may come right after prev.
func (c *Constraints) follows(prev, next tagParts) bool {
	switch c.scheme {
	case conll.IOB2:
		return next.prefix != 'I' || (prev.open() && prev.typ == next.typ)
	case conll.BIOES, conll.BILOU:
		if next.continues() {
			return prev.open() && prev.typ == next.typ
		}
		return !prev.open()
	}
	return true // IOB1
}

// closes reports whether a sentence may end with t.
func (c *Constraints) closes(t tagParts) bool {
	if c.scheme == conll.BIOES || c.scheme == conll.BILOU {
		return !t.open()
	}
	return true
}

// feasible reports whether some label can begin, follow itself and end,
// which gives a valid sequence of every length.
func (c *Constraints) feasible() bool {
	for j := range c.tags {
		if c.start[j] && c.end[j] && c.Allowed(j, j) {
			return true
		}
	}
	return false
}

// Len is the number of labels.
func (c *Constraints) Len() int { return len(c.labels) }

// Labels returns the labels in id order (a copy).
func (c *Constraints) Labels() []string { return append([]string(nil), c.labels...) }

// Scheme is the scheme the rules come from (never Auto).
func (c *Constraints) Scheme() conll.Scheme { return c.scheme }

// Allowed reports whether label j may follow label i.
func (c *Constraints) Allowed(i, j int) bool { return c.trans[i*len(c.labels)+j] }

// AllowedStart reports whether a sentence may begin with label j.
func (c *Constraints) AllowedStart(j int) bool { return c.start[j] }

// AllowedEnd reports whether a sentence may end with label i.
func (c *Constraints) AllowedEnd(i int) bool { return c.end[i] }

// FirstViolation returns the position of the first tag the scheme forbids
// where it stands (at the start, after its predecessor), len(tags) when only
// the end is wrong (an entity left open in BIOES), or -1 when the sequence
// is valid. Rules for an edge the run does not touch are not checked.
func (c *Constraints) FirstViolation(tags []int, edges Edges) int {
	for t, j := range tags {
		switch {
		case t == 0 && edges&SentenceStart != 0 && !c.start[j]:
			return 0
		case t > 0 && !c.Allowed(tags[t-1], j):
			return t
		}
	}
	if n := len(tags); n > 0 && edges&SentenceEnd != 0 && !c.end[tags[n-1]] {
		return n
	}
	return -1
}

// Valid reports whether a whole sentence's tags follow the scheme.
func (c *Constraints) Valid(tags []int) bool { return c.FirstViolation(tags, WholeSentence) < 0 }

// Repair returns the valid tag sequence closest to tags: the one agreeing
// with most of them, where keeping a word's entity type with another prefix
// (B-X for I-X) counts half. So "O I-PER I-PER" becomes "O B-PER I-PER"
// and "B-PER I-LOC" becomes "B-PER B-LOC", the entities conlleval reads in
// them. A model with constrained transitions can only learn valid gold
// sequences; gold data keeps its violations, so training repairs a copy.
func (c *Constraints) Repair(tags []int, edges Edges) []int {
	if c.FirstViolation(tags, edges) < 0 {
		return append([]int(nil), tags...)
	}
	l := len(c.labels)
	agree := make([]float32, len(tags)*l)
	for t, g := range tags {
		for j := range c.tags {
			switch {
			case j == g:
				agree[t*l+j] = 1
			case c.tags[j].typ != "" && c.tags[j].typ == c.tags[g].typ:
				agree[t*l+j] = 0.5
			}
		}
	}
	return DecodeConstrained(agree, len(tags), c, edges)
}

// CountViolations counts the tags of one sentence that the scheme forbids
// where they stand, plus one for an entity left open at the end (BIOES,
// BILOU). Tags that do not parse count as violations; scheme Auto means
// IOB2, the scheme of tags inside nerkit. A tag with a prefix the scheme
// does not use (E-X in IOB2) counts as a violation too.
func CountViolations(tags []string, scheme conll.Scheme) int {
	if scheme == conll.Auto {
		scheme = conll.IOB2
	}
	c := &Constraints{scheme: scheme}
	n := 0
	prev := tagParts{prefix: 'O'}
	for _, t := range tags {
		p, err := parseTag(t)
		if err != nil || (p.prefix != 'O' && !strings.ContainsRune(schemePrefixes(scheme), rune(p.prefix))) {
			n++
			prev = tagParts{prefix: 'O'}
			continue
		}
		p.prefix = canonicalPrefix(p.prefix)
		if !c.follows(prev, p) {
			n++
		}
		prev = p
	}
	if len(tags) > 0 && !c.closes(prev) {
		n++
	}
	return n
}
