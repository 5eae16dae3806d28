package dataset

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/conll"
)

var testLabels = LabelMap{"O": 0, "B-PER": 1, "I-PER": 2, "B-LOC": 3, "I-LOC": 4, "B-MISC": 5}

func TestEncodeAlignsFirstSubToken(t *testing.T) {
	tok := newFake()
	s := []conll.Sentence{{Words: []string{"Jean", "Luc", "visited", "Paris"}, Tags: []string{"B-PER", "I-PER", "O", "B-LOC"}, Line: 7}}
	ex, st, err := Encode(s, tok, testLabels, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 1 {
		t.Fatalf("%d examples", len(ex))
	}
	// Jean→Jea ##n, Luc→Luc, visited→vis ##ite ##d, Paris→Par ##is
	wantWords := []int{-1, 0, 0, 1, 2, 2, 2, 3, 3, -1}
	wantLabels := []int32{-100, 1, -100, 2, 0, -100, -100, 3, -100, -100}
	if !slices.Equal(ex[0].WordIndex, wantWords) {
		t.Errorf("word index %v, want %v", ex[0].WordIndex, wantWords)
	}
	if !slices.Equal(ex[0].Labels, wantLabels) {
		t.Errorf("labels %v, want %v", ex[0].Labels, wantLabels)
	}
	if ex[0].IDs[0] != 101 || ex[0].IDs[len(ex[0].IDs)-1] != 102 || len(ex[0].IDs) != 10 {
		t.Errorf("ids %v", ex[0].IDs)
	}
	want := tok.TokenizeWord("visited")
	if !slices.Equal(ex[0].IDs[4:7], want) {
		t.Errorf("ids %v, want visited = %v", ex[0].IDs[4:7], want)
	}
	if st.Sentences != 1 || st.Words != 4 || st.SubTokens != 8 || st.Examples != 1 || st.SplitSentences != 0 ||
		st.TokensPerWord[1] != 1 || st.TokensPerWord[2] != 2 || st.TokensPerWord[3] != 1 || st.SentenceTokens[0] != 8 {
		t.Errorf("stats %+v", st)
	}
}

func TestEncodeLabelAllTokens(t *testing.T) {
	tok := newFake()
	s := []conll.Sentence{{Words: []string{"Jean", "Luc", "Paris", "Eurovision"}, Tags: []string{"B-PER", "I-PER", "B-LOC", "B-MISC"}}}
	ex, _, err := Encode(s, tok, testLabels, Options{LabelAllTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	// B-PER's continuation → I-PER; I-PER stays; B-MISC has no I-MISC so stays.
	want := []int32{-100, 1, 2, 2, 3, 4, 5, 5, 5, 5, -100}
	if !slices.Equal(ex[0].Labels, want) {
		t.Errorf("labels %v, want %v", ex[0].Labels, want)
	}
}

func TestEncodeUnlabelled(t *testing.T) {
	s := []conll.Sentence{{Words: []string{"a", "b"}}}
	for _, labels := range []Labels{nil, LabelMap(nil)} {
		ex, _, err := Encode(s, newFake(), labels, Options{})
		if err != nil || ex[0].Labels != nil {
			t.Fatalf("err %v labels %v", err, ex[0].Labels)
		}
	}
}

func TestEncodeWordWithoutSubTokens(t *testing.T) {
	s := []conll.Sentence{
		{Words: []string{"Hi", "∅ctl", "there"}, Tags: []string{"O", "B-PER", "O"}},
		{Words: []string{"∅", "∅"}, Tags: []string{"O", "O"}},
		{Words: []string{"Bob"}, Tags: []string{"B-PER"}},
	}
	ex, st, err := Encode(s, newFake(), testLabels, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 2 || ex[0].SentenceIndex != 0 || ex[1].SentenceIndex != 2 {
		t.Fatalf("examples %+v", ex)
	}
	if want := []int{-1, 0, 2, 2, -1}; !slices.Equal(ex[0].WordIndex, want) {
		t.Errorf("word index %v, want %v", ex[0].WordIndex, want)
	}
	if st.EmptyWords != 3 || st.EmptySentences != 1 || st.Words != 6 || st.TokensPerWord[0] != 3 {
		t.Errorf("stats %+v", st)
	}
	c, err := NewCollector(s, ex, len(testLabels), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ex {
		logits := make([]float32, ex[i].Len()*len(testLabels))
		for j := range ex[i].Len() {
			logits[j*len(testLabels)+1] = 5 // B-PER everywhere
		}
		if err := c.AddExample(i, logits); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Complete(); err != nil {
		t.Fatal(err)
	}
	got := c.Words(0)
	if len(got) != 3 || !got[0].HasToken || got[1].HasToken || got[1].Label != 0 || got[1].Score != 0 || got[2].Label != 1 {
		t.Errorf("sentence 0: %+v", got)
	}
	if got := c.Words(1); len(got) != 2 || got[0].HasToken || got[1].Label != 0 {
		t.Errorf("sentence 1: %+v", got)
	}
	if got := c.Words(2); len(got) != 1 || got[0].Label != 1 {
		t.Errorf("sentence 2: %+v", got)
	}
}

func TestEncodeErrors(t *testing.T) {
	_, _, err := Encode([]conll.Sentence{{Words: []string{"a", "b", "c"}, Tags: []string{"O", "O", "B-ORG"}, Line: 40}}, newFake(), testLabels, Options{Source: "dev.txt"})
	if err == nil || !strings.Contains(err.Error(), "dev.txt:42") || !strings.Contains(err.Error(), "B-ORG") {
		t.Errorf("unknown tag: %v", err)
	}
	_, _, err = Encode([]conll.Sentence{{Words: []string{"a", "b"}, Tags: []string{"O"}, Line: 3}}, newFake(), testLabels, Options{Source: "x.conll"})
	if err == nil || !strings.Contains(err.Error(), "x.conll") || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("tag count: %v", err)
	}
	for _, o := range []Options{{MaxLen: 2}, {MaxLen: 10, Stride: 8}} {
		if _, _, err := Encode(nil, newFake(), nil, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, stride, _ := (Options{MaxLen: 16}).resolved(); stride != 7 {
		t.Errorf("default stride at max length 16: %d", stride)
	}
	if maxLen, stride, _ := (Options{}).resolved(); maxLen != 512 || stride != 128 {
		t.Errorf("defaults %d %d", maxLen, stride)
	}
}

// TestEncodeMatchesHuggingFace compares with the ids and word_ids that
// Hugging Face's tokenizers produced for FactRuEval dev, read here from the
// CoNLL file itself.
func TestEncodeMatchesHuggingFace(t *testing.T) {
	golden, tok := loadGoldens(t, "factrueval2016/dev.txt")
	sentences := readConll(t, factDev)
	if len(sentences) != len(golden) {
		t.Fatalf("%d sentences, goldens have %d", len(sentences), len(golden))
	}
	labels, _ := labelSet(sentences)
	ex, st, err := Encode(sentences, tok, labels, Options{Source: factDev})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != len(golden) || st.SplitSentences != 0 {
		t.Fatalf("%d examples for %d sentences", len(ex), len(golden))
	}
	for i, g := range golden {
		if !slices.Equal(sentences[i].Words, g.Words) {
			t.Fatalf("sentence %d words differ from goldens", i)
		}
		e := ex[i]
		if !slices.Equal(e.IDs, g.InputIDs) {
			t.Fatalf("sentence %d: ids\n%v\nwant\n%v", i, e.IDs, g.InputIDs)
		}
		for k, w := range g.WordIDs {
			want := -1
			if w != nil {
				want = *w
			}
			if e.WordIndex[k] != want {
				t.Fatalf("sentence %d position %d: word %d, want %d", i, k, e.WordIndex[k], want)
			}
			// run_ner.py's rule: label on the first sub-token of each word.
			wantLabel := int32(IgnoreLabel)
			if w != nil && (k == 0 || g.WordIDs[k-1] == nil || *g.WordIDs[k-1] != *w) {
				wantLabel = labels[g.Tags[*w]]
			}
			if e.Labels[k] != wantLabel {
				t.Fatalf("sentence %d position %d: label %d, want %d", i, k, e.Labels[k], wantLabel)
			}
		}
	}
	t.Logf("FactRuEval dev: %d sentences, %d words, %d sub-tokens, p50 %d p95 %d max %d sub-tokens",
		st.Sentences, st.Words, st.SubTokens, st.TokenPercentile(50), st.TokenPercentile(95), st.TokenPercentile(100))
}

// checkWindows verifies the windowing invariants for one sentence.
func checkWindows(t *testing.T, wordOf []int, budget, stride int, spans []span) {
	t.Helper()
	n := len(wordOf)
	boundary := func(k int) bool { return k == 0 || k == n || wordOf[k] != wordOf[k-1] }
	longest := 0
	for i := 0; i < n; {
		j := i
		for j < n && wordOf[j] == wordOf[i] {
			j++
		}
		longest = max(longest, j-i)
		i = j
	}
	if len(spans) == 0 || spans[0].start != 0 || spans[len(spans)-1].end != n {
		t.Fatalf("spans %v do not cover [0,%d)", spans, n)
	}
	for i, s := range spans {
		if s.end-s.start > budget || s.end <= s.start {
			t.Fatalf("span %v over budget %d", s, budget)
		}
		if i == 0 {
			continue
		}
		p := spans[i-1]
		if s.start <= p.start || s.end <= p.end || s.start > p.end {
			t.Fatalf("spans %v then %v: no progress or a gap", p, s)
		}
		if p.end-s.start > stride {
			t.Fatalf("spans %v then %v overlap more than %d", p, s, stride)
		}
		if longest <= budget && (!boundary(s.start) || !boundary(p.end)) {
			t.Fatalf("words of at most %d sub-tokens cut: %v then %v (budget %d)", longest, p, s, budget)
		}
	}
}

func TestWindowsProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 3000 {
		var wordOf []int
		words := r.IntN(60)
		for w := range words {
			k := 1 + r.IntN(4)
			if r.IntN(40) == 0 {
				k = 1 + r.IntN(30) // the occasional very long word
			}
			for range k {
				wordOf = append(wordOf, w)
			}
		}
		if len(wordOf) == 0 {
			continue
		}
		budget := 1 + r.IntN(20)
		stride := r.IntN(budget)
		spans, _ := windows(wordOf, budget, stride)
		t.Run(fmt.Sprint(trial), func(t *testing.T) { checkWindows(t, wordOf, budget, stride, spans) })
		if t.Failed() {
			t.Fatalf("wordOf %v budget %d stride %d", wordOf, budget, stride)
		}
	}
}

func TestWindowsExact(t *testing.T) {
	// Words of sub-token lengths 2,1,3,1,2 = 9 sub-tokens.
	wordOf := []int{0, 0, 1, 2, 2, 2, 3, 4, 4}
	cases := []struct {
		budget, stride int
		want           []span
		cut            int
	}{
		{9, 0, []span{{0, 9}}, 0},
		{6, 0, []span{{0, 6}, {6, 9}}, 0},
		{6, 3, []span{{0, 6}, {3, 9}}, 0},
		{4, 2, []span{{0, 3}, {2, 6}, {6, 9}}, 0},
		// Budget 2 cannot hold word 2 (3 sub-tokens): cut inside it.
		{2, 0, []span{{0, 2}, {2, 3}, {3, 5}, {5, 7}, {7, 9}}, 1},
		{2, 1, []span{{0, 2}, {2, 3}, {3, 5}, {4, 6}, {6, 7}, {7, 9}}, 1},
	}
	for _, c := range cases {
		got, cut := windows(wordOf, c.budget, c.stride)
		if !slices.Equal(got, c.want) || cut != c.cut {
			t.Errorf("budget %d stride %d: %v (%d cut), want %v (%d cut)", c.budget, c.stride, got, cut, c.want, c.cut)
		}
		checkWindows(t, wordOf, c.budget, c.stride, got)
	}
}
