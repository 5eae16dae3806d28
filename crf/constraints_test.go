package crf

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/conll"
)

func mustConstraints(t *testing.T, labels []string, scheme conll.Scheme) *Constraints {
	t.Helper()
	c, err := NewConstraints(labels, scheme)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ids maps tag names to ids of labels.
func ids(t *testing.T, labels []string, tags string) []int {
	t.Helper()
	var out []int
	for _, tag := range strings.Fields(tags) {
		i := slices.Index(labels, tag)
		if i < 0 {
			t.Fatalf("no label %q", tag)
		}
		out = append(out, i)
	}
	return out
}

func TestSchemeRules(t *testing.T) {
	iob2 := conll.PresetLabels().Labels()
	bioes := []string{"O", "B-PER", "I-PER", "E-PER", "S-PER", "B-LOC", "I-LOC", "E-LOC", "S-LOC"}
	bilou := []string{"O", "B-PER", "I-PER", "L-PER", "U-PER"}
	cases := []struct {
		labels []string
		scheme conll.Scheme
		tags   string
		valid  bool
	}{
		{iob2, conll.IOB2, "O B-PER I-PER O", true},
		{iob2, conll.IOB2, "B-PER B-PER I-PER B-LOC", true},
		{iob2, conll.IOB2, "I-PER", false},            // start → I-X
		{iob2, conll.IOB2, "O I-PER", false},          // I-X after O
		{iob2, conll.IOB2, "B-PER I-LOC", false},      // I-X after another type
		{iob2, conll.IOB2, "B-ORG I-ORG I-ORG", true}, // may end inside
		{iob2, conll.IOB1, "O I-PER B-LOC I-ORG", true},
		{bioes, conll.Auto, "S-PER O B-LOC I-LOC E-LOC", true},
		{bioes, conll.BIOES, "B-PER E-PER S-LOC", true},
		{bioes, conll.BIOES, "B-PER", false},   // left open at the end
		{bioes, conll.BIOES, "B-PER O", false}, // O inside an entity
		{bioes, conll.BIOES, "E-PER", false},   // start → E-X
		{bioes, conll.BIOES, "B-PER I-LOC E-LOC", false},
		{bioes, conll.BIOES, "S-PER I-PER E-PER", false},
		{bilou, conll.Auto, "B-PER I-PER L-PER U-PER", true},
		{bilou, conll.BILOU, "B-PER U-PER", false},
	}
	for _, tc := range cases {
		c := mustConstraints(t, tc.labels, tc.scheme)
		if got := c.Valid(ids(t, tc.labels, tc.tags)); got != tc.valid {
			t.Errorf("%v %q: valid = %v, want %v", c.Scheme(), tc.tags, got, tc.valid)
		}
		if got := CountViolations(strings.Fields(tc.tags), c.Scheme()) == 0; got != tc.valid {
			t.Errorf("CountViolations %v %q: valid = %v, want %v", c.Scheme(), tc.tags, got, tc.valid)
		}
	}
}

func TestSchemeDetectionAndErrors(t *testing.T) {
	for labels, want := range map[string]conll.Scheme{
		"O B-PER I-PER":               conll.IOB2,
		"O B-PER I-PER E-PER S-PER":   conll.BIOES,
		"O B-PER I-PER L-PER U-PER":   conll.BILOU,
		"B-PER I-PER S-PER E-PER B-X": conll.BIOES,
	} {
		if got := mustConstraints(t, strings.Fields(labels), conll.Auto).Scheme(); got != want {
			t.Errorf("%s: detected %v, want %v", labels, got, want)
		}
	}
	for _, tc := range []struct {
		labels string
		scheme conll.Scheme
	}{
		{"O B-PER E-PER L-PER", conll.Auto}, // BIOES and BILOU mixed
		{"O B-PER S-PER", conll.IOB2},       // S- is not IOB2
		{"O B-PER U-PER", conll.BIOES},      // U- is not BIOES
		{"O PER", conll.Auto},               // no prefix
		{"I-PER", conll.IOB2},               // no label can begin a sentence
		{"B-PER I-PER", conll.BIOES},        // no label can end one
		{"", conll.Auto},                    // empty
	} {
		if _, err := NewConstraints(strings.Fields(tc.labels), tc.scheme); err == nil {
			t.Errorf("labels %q under %v accepted", tc.labels, tc.scheme)
		}
	}
}

func TestFirstViolationEdges(t *testing.T) {
	labels := conll.PresetLabels().Labels()
	c := mustConstraints(t, labels, conll.IOB2)
	tags := ids(t, labels, "I-PER I-PER O I-LOC")
	if got := c.FirstViolation(tags, WholeSentence); got != 0 {
		t.Errorf("whole sentence: first violation at %d, want 0", got)
	}
	if got := c.FirstViolation(tags, SentenceEnd); got != 3 {
		t.Errorf("window: first violation at %d, want 3", got)
	}
	bioes := []string{"O", "B-X", "I-X", "E-X", "S-X"}
	b := mustConstraints(t, bioes, conll.BIOES)
	if got := b.FirstViolation(ids(t, bioes, "O B-X I-X"), WholeSentence); got != 3 {
		t.Errorf("open entity at the end: %d, want 3", got)
	}
	if got := b.FirstViolation(ids(t, bioes, "O B-X I-X"), SentenceStart); got != -1 {
		t.Errorf("a window may end inside an entity: %d", got)
	}
}

func TestRepair(t *testing.T) {
	labels := conll.PresetLabels().Labels()
	c := mustConstraints(t, labels, conll.IOB2)
	for in, want := range map[string]string{
		"O I-PER I-PER":       "O B-PER I-PER",
		"I-LOC O":             "B-LOC O",
		"B-PER I-LOC I-LOC O": "B-PER B-LOC I-LOC O",
		"B-ORG I-ORG O":       "B-ORG I-ORG O",
	} {
		got := names(labels, c.Repair(ids(t, labels, in), WholeSentence))
		if strings.Join(got, " ") != want {
			t.Errorf("Repair(%s) = %v, want %s", in, got, want)
		}
	}
	if got := names(labels, c.Repair(ids(t, labels, "I-PER O"), SentenceEnd)); strings.Join(got, " ") != "I-PER O" {
		t.Errorf("a window's leading I-PER was repaired: %v", got)
	}
	bioes := []string{"O", "B-X", "I-X", "E-X", "S-X"}
	b := mustConstraints(t, bioes, conll.BIOES)
	if got := strings.Join(names(bioes, b.Repair(ids(t, bioes, "B-X O"), WholeSentence)), " "); got != "S-X O" {
		t.Errorf("BIOES Repair(B-X O) = %s, want S-X O", got)
	}
}

// DecodeConstrained against enumeration of the valid sequences: the best
// sum of scores among them, always valid.
func TestDecodeConstrainedMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, labels := range [][]string{smallLabels, {"O", "B-X", "I-X", "E-X", "S-X"}} {
		c := mustConstraints(t, labels, conll.Auto)
		l := c.Len()
		r := ref{l: l, trans: make([]float64, l*l), start: make([]float64, l), end: make([]float64, l),
			allowed: c.Allowed, allowedStart: c.AllowedStart, allowedEnd: c.AllowedEnd}
		for n := 1; n <= 5; n++ {
			for range 10 {
				scores := randomEmissions(rng, n, l, 3)
				got := DecodeConstrained(scores, n, c, WholeSentence)
				b := r.brute(scores, n, WholeSentence)
				if !slices.Equal(got, b.best) {
					t.Fatalf("%v n=%d: %v, enumeration %v", labels, n, names(labels, got), names(labels, b.best))
				}
			}
		}
	}
}

// However degenerate the scores (−∞, NaN, all equal, favouring forbidden
// labels), the output is valid.
func TestDecodeConstrainedAlwaysValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	inf, nan := float32(math.Inf(-1)), float32(math.NaN())
	for _, labels := range [][]string{conll.PresetLabels().Labels(), {"O", "B-X", "I-X", "E-X", "S-X"}} {
		c := mustConstraints(t, labels, conll.Auto)
		l := c.Len()
		for trial := range 500 {
			n := 1 + rng.IntN(25)
			scores := randomEmissions(rng, n, l, 5)
			for k := range scores {
				switch rng.IntN(6) {
				case 0:
					scores[k] = inf
				case 1:
					if trial%2 == 0 {
						scores[k] = nan
					}
				case 2:
					if p := labels[k%l][0]; p == 'I' || p == 'E' {
						scores[k] = 100
					}
				}
			}
			if got := DecodeConstrained(scores, n, c, WholeSentence); !c.Valid(got) {
				t.Fatalf("invalid output %v", names(labels, got))
			}
		}
		if got := DecodeConstrained(make([]float32, 7*l), 7, c, WholeSentence); !c.Valid(got) {
			t.Fatalf("all-equal scores: invalid output %v", names(labels, got))
		}
	}
}

// The word-level probabilities an argmax tagger reads: where argmax breaks
// the scheme, constrained decoding picks the best valid reading; words
// without a distribution stay O.
func TestDecodeConstrainedProbs(t *testing.T) {
	labels := conll.PresetLabels().Labels() // O B-PER I-PER B-ORG I-ORG B-LOC I-LOC B-MISC I-MISC
	c := mustConstraints(t, labels, conll.IOB2)
	dist := func(pairs map[string]float32) []float32 {
		row := make([]float32, len(labels))
		for tag, p := range pairs {
			row[slices.Index(labels, tag)] = p
		}
		return row
	}
	probs := [][]float32{
		dist(map[string]float32{"O": 0.9, "B-PER": 0.1}),
		dist(map[string]float32{"I-ORG": 0.6, "B-ORG": 0.3, "O": 0.1}), // argmax: I-ORG after O
		dist(map[string]float32{"I-ORG": 0.8, "I-PER": 0.2}),
		nil, // a word with no sub-token
		dist(map[string]float32{"I-LOC": 0.99, "B-LOC": 0.01}), // everything else exactly 0
	}
	got := strings.Join(names(labels, DecodeConstrainedProbs(probs, c)), " ")
	if want := "O B-ORG I-ORG O B-LOC"; got != want {
		t.Errorf("DecodeConstrainedProbs = %s, want %s", got, want)
	}
	if got := DecodeConstrainedProbs(nil, c); len(got) != 0 {
		t.Errorf("empty sentence: %v", got)
	}
}

func TestCountViolations(t *testing.T) {
	for tags, want := range map[string]int{
		"O B-PER I-PER":       0,
		"I-PER I-PER O I-LOC": 2,
		"B-PER I-LOC":         1,
		"B-PER E-PER":         1, // E- is no IOB2 tag
		"O PER":               1, // unparsable
		"":                    0,
	} {
		if got := CountViolations(strings.Fields(tags), conll.Auto); got != want {
			t.Errorf("CountViolations(%q) = %d, want %d", tags, got, want)
		}
	}
	if got := CountViolations(strings.Fields("B-X I-X"), conll.BIOES); got != 1 {
		t.Errorf("BIOES entity left open: %d violations, want 1", got)
	}
}
