package dataset

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/conll"
)

// TestLongSentencesRealData encodes FactRuEval dev with windows far shorter
// than its sentences and checks that windows reproduce the full encoding,
// that merging picks the window with the most context for every word, and
// that labels come back unchanged.
func TestLongSentencesRealData(t *testing.T) {
	_, tok := loadGoldens(t, "factrueval2016/dev.txt")
	sentences := readConll(t, factDev)
	labels, _ := labelSet(sentences)
	full, _, err := Encode(sentences, tok, labels, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{MaxLen: 8}, {MaxLen: 16}, {MaxLen: 16, Stride: -1}, {MaxLen: 32, Stride: 10}, {MaxLen: 8, LabelAllTokens: true}} {
		t.Run(fmt.Sprintf("max%d_stride%d_all%v", o.MaxLen, o.Stride, o.LabelAllTokens), func(t *testing.T) {
			fullHere := full
			if o.LabelAllTokens {
				fullHere, _, _ = Encode(sentences, tok, labels, Options{LabelAllTokens: true})
			}
			ex, st, err := Encode(sentences, tok, labels, o)
			if err != nil {
				t.Fatal(err)
			}
			if st.SplitSentences == 0 || st.Examples <= len(sentences) {
				t.Fatalf("nothing split: %+v", st)
			}
			t.Logf("%d sentences → %d windows; %d sentences split, %d words cut inside", st.Sentences, st.Examples, st.SplitSentences, st.SplitWords)
			maxLen, _, _ := o.resolved()
			for i := range ex {
				e := &ex[i]
				f := &fullHere[e.SentenceIndex]
				if e.Len() > maxLen || e.IDs[0] != 101 || e.IDs[e.Len()-1] != 102 || e.Labels[0] != IgnoreLabel {
					t.Fatalf("example %d: %v", i, e.IDs)
				}
				lo, hi := e.TokenStart+1, e.TokenEnd()+1
				if !slices.Equal(e.IDs[1:e.Len()-1], f.IDs[lo:hi]) || !slices.Equal(e.WordIndex[1:e.Len()-1], f.WordIndex[lo:hi]) ||
					!slices.Equal(e.Labels[1:e.Len()-1], f.Labels[lo:hi]) {
					t.Fatalf("example %d (sentence %d window %d) differs from the full encoding", i, e.SentenceIndex, e.Window)
				}
			}
			checkMerge(t, sentences, ex, labels, o.Stride >= 0)
		})
	}
}

// checkMerge feeds two kinds of logits through the collector, in a
// length-grouped shuffled order: ones that name the window they come from,
// checked against a brute-force choice of window, and ones that repeat the
// gold label, which must come back as the gold tags.
func checkMerge(t *testing.T, sentences []conll.Sentence, ex []Example, labels LabelMap, overlapping bool) {
	t.Helper()
	maxWindows := 0
	for i := range ex {
		maxWindows = max(maxWindows, ex[i].Windows)
	}
	plan, err := Plan(ex, 7, 3, 0, BatchOptions{Order: GroupByLength})
	if err != nil {
		t.Fatal(err)
	}

	// Window-naming logits: label = window number.
	c, err := NewCollector(sentences, ex, maxWindows, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	for _, rows := range plan {
		b.Fill(ex, rows, 0)
		logits := make([]float32, b.Size*b.Len*maxWindows)
		for r, i := range b.Rows {
			for j := range b.Len {
				logits[(r*b.Len+j)*maxWindows+ex[i].Window] = 3
			}
		}
		if err := c.AddBatch(&b, logits); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Complete(); err != nil {
		t.Fatal(err)
	}
	bySentence := map[int][]*Example{}
	for i := range ex {
		bySentence[ex[i].SentenceIndex] = append(bySentence[ex[i].SentenceIndex], &ex[i])
	}
	chosenOverlap := 0
	for s := range sentences {
		preds := c.Words(s)
		if len(preds) != len(sentences[s].Words) {
			t.Fatalf("sentence %d: %d predictions for %d words", s, len(preds), len(sentences[s].Words))
		}
		for w := range preds {
			// Brute force: the first sub-token of word w, and every window holding it.
			first, best, bestWin, holders := -1, -1, -1, 0
			for _, e := range bySentence[s] {
				for j := 1; j < e.Len()-1; j++ {
					if e.WordIndex[j] != w {
						continue
					}
					k := e.TokenStart + j - 1
					if first < 0 || k < first {
						first = k
					}
				}
			}
			for _, e := range bySentence[s] {
				if first < e.TokenStart || first >= e.TokenEnd() {
					continue
				}
				holders++
				ctx := min(first-e.TokenStart, e.TokenEnd()-1-first)
				if ctx > best {
					best, bestWin = ctx, e.Window
				}
			}
			if first < 0 || holders == 0 || !preds[w].HasToken {
				t.Fatalf("sentence %d word %d has no sub-token", s, w)
			}
			if holders > 1 && bestWin > 0 {
				chosenOverlap++
			}
			if preds[w].Label != int32(bestWin) {
				t.Fatalf("sentence %d word %d: taken from window %d, want %d", s, w, preds[w].Label, bestWin)
			}
		}
	}
	if overlapping && chosenOverlap == 0 {
		t.Errorf("no word in an overlap was given to a later window: merge untested")
	}

	// Gold logits: the word's gold label at every position of the word.
	names := make([]string, len(labels))
	for n, id := range labels {
		names[id] = n
	}
	c, err = NewCollector(sentences, ex, len(labels), labels["O"])
	if err != nil {
		t.Fatal(err)
	}
	for _, rows := range plan {
		b.Fill(ex, rows, 0)
		logits := make([]float32, b.Size*b.Len*len(labels))
		for r, i := range b.Rows {
			for j, w := range ex[i].WordIndex {
				if w >= 0 {
					logits[(r*b.Len+j)*len(labels)+int(labels[sentences[ex[i].SentenceIndex].Tags[w]])] = 4
				}
			}
		}
		if err := c.AddBatch(&b, logits); err != nil {
			t.Fatal(err)
		}
	}
	for s := range sentences {
		for w, p := range c.Words(s) {
			if names[p.Label] != sentences[s].Tags[w] {
				t.Fatalf("sentence %d word %d: %s, want %s", s, w, names[p.Label], sentences[s].Tags[w])
			}
		}
	}
}

func TestCollectorSoftmaxAndProbs(t *testing.T) {
	s := []conll.Sentence{{Words: []string{"Jean", "∅", "vu"}, Tags: []string{"B-PER", "O", "O"}}}
	ex, _, err := Encode(s, newFake(), testLabels, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// positions: [CLS] Jea ##n vu [SEP]
	const L = 6
	logits := make([]float32, 5*L)
	logits[1*L+1] = 2    // Jea: B-PER
	logits[2*L+2] = 1    // ##n: I-PER
	logits[3*L+0] = 1000 // vu: O, large to test the max subtraction
	var b Batch
	b.Fill(ex, []int{0}, 0)
	c, _ := NewCollector(s, ex, L, 0)
	if err := c.AddBatch(&b, logits); err != nil {
		t.Fatal(err)
	}
	words := c.Words(0)
	want := float32(math.Exp(2) / (math.Exp(2) + 5))
	if words[0].Label != 1 || math.Abs(float64(words[0].Score-want)) > 1e-6 || !words[0].HasToken {
		t.Errorf("word 0: %+v, want B-PER %v", words[0], want)
	}
	if words[1].HasToken || words[1].Label != 0 || words[2].Label != 0 || words[2].Score != 1 {
		t.Errorf("words %+v", words)
	}
	p := c.Probs(0)
	if a, e := p.WordTokens(0); a != 0 || e != 2 {
		t.Errorf("word 0 tokens [%d,%d)", a, e)
	}
	if a, e := p.WordTokens(1); a != e {
		t.Errorf("empty word tokens [%d,%d)", a, e)
	}
	if a, e := p.WordTokens(2); a != 2 || e != 3 || p.TokenWord[2] != 2 || p.IDs[2] != ex[0].IDs[3] {
		t.Errorf("word 2 tokens [%d,%d) %v", a, e, p)
	}
	var sum float64
	for _, v := range p.Token(1) {
		sum += float64(v)
	}
	if math.Abs(sum-1) > 1e-6 || p.Argmax[1] != 2 {
		t.Errorf("token 1: %v argmax %d", p.Token(1), p.Argmax[1])
	}
}

func TestCollectorErrors(t *testing.T) {
	s := []conll.Sentence{{Words: []string{"aaaa", "bb"}, Tags: []string{"O", "O"}, Line: 12}}
	ex, _, _ := Encode(s, newFake(), testLabels, Options{MaxLen: 4, Stride: -1})
	if len(ex) != 2 {
		t.Fatalf("%d examples", len(ex))
	}
	c, _ := NewCollector(s, ex, 6, 0)
	var b Batch
	b.Fill(ex, []int{1}, 0)
	if err := c.AddBatch(&b, make([]float32, 5)); err == nil {
		t.Error("short logits accepted")
	}
	if err := c.AddBatch(&b, make([]float32, b.Size*b.Len*6)); err != nil {
		t.Fatal(err)
	}
	if err := c.Complete(); err == nil || !strings.Contains(err.Error(), "line 12") {
		t.Errorf("missing window 0 not reported: %v", err)
	}
	if err := c.AddExample(5, nil); err == nil {
		t.Error("bad example index accepted")
	}
}
