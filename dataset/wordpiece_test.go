package dataset

import (
	"slices"
	"sync"
	"testing"

	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/wordpiece"
)

// TestEncodeRealTokenizer runs the real mBERT tokenizer through Encode on
// FactRuEval and Danish dev and compares ids and word ids with Hugging
// Face's.
func TestEncodeRealTokenizer(t *testing.T) {
	tok := mbert(t)
	for _, c := range []struct{ golden, path string }{
		{"factrueval2016/dev.txt", factDev},
		{"uner-da/da_ddt-ud-dev.conll", "../testdata/data/uner-da/da_ddt-ud-dev.conll"},
	} {
		golden, _ := loadGoldens(t, c.golden)
		sentences := readConll(t, c.path)
		labels, _ := labelSet(sentences)
		ex, st, err := Encode(sentences, tok, labels, Options{Source: c.path})
		if err != nil {
			t.Fatal(err)
		}
		if len(ex) != len(golden) {
			t.Fatalf("%s: %d examples, %d golden sentences", c.path, len(ex), len(golden))
		}
		for i, g := range golden {
			want := make([]int, len(g.WordIDs))
			for k, w := range g.WordIDs {
				want[k] = -1
				if w != nil {
					want[k] = *w
				}
			}
			if !slices.Equal(ex[i].IDs, g.InputIDs) || !slices.Equal(ex[i].WordIndex, want) {
				t.Fatalf("%s sentence %d (line %d):\nids %v\nwant %v\nwords %v\nwant %v", c.path, i, sentences[i].Line, ex[i].IDs, g.InputIDs, ex[i].WordIndex, want)
			}
		}
		t.Logf("%s: %d sentences, %d words, %d sub-tokens, %d words without sub-token", c.path, st.Sentences, st.Words, st.SubTokens, st.EmptyWords)
	}
}

func TestRealTokenizerEmptyWord(t *testing.T) {
	tok := mbert(t)
	// U+200B is a format character: BERT's clean_text drops it, leaving no sub-token.
	s := []conll.Sentence{{Words: []string{"Путин", "\u200b", "Москве"}, Tags: []string{"B-PER", "O", "B-LOC"}, Line: 1}}
	labels := LabelMap{"O": 0, "B-PER": 1, "B-LOC": 2}
	ex, st, err := Encode(s, tok, labels, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.EmptyWords != 1 || slices.Contains(ex[0].WordIndex, 1) {
		t.Fatalf("stats %+v, word index %v", st, ex[0].WordIndex)
	}
	c, _ := NewCollector(s, ex, 3, 0)
	logits := make([]float32, ex[0].Len()*3)
	for j, w := range ex[0].WordIndex {
		if w >= 0 {
			logits[j*3+int(labels[s[0].Tags[w]])] = 2
		}
	}
	if err := c.AddExample(0, logits); err != nil {
		t.Fatal(err)
	}
	got := c.Words(0)
	if len(got) != 3 || got[0].Label != 1 || got[1].HasToken || got[1].Label != 0 || got[2].Label != 2 {
		t.Errorf("predictions %+v", got)
	}
}

// TestPaddingFactRuEvalTrain reports the padding ratio of each batch order
// on the training set with the real tokenizer (BENCHMARKS.md, dataset section).
func TestPaddingFactRuEvalTrain(t *testing.T) {
	tok := mbert(t)
	sentences := readConll(t, "../testdata/data/factrueval2016/train.txt")
	labels, _ := labelSet(sentences)
	ex, st, err := Encode(sentences, tok, labels, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("train: %d sentences, %d words, %d sub-tokens, %d examples, lengths p50 %d p95 %d p99 %d max %d",
		st.Sentences, st.Words, st.SubTokens, st.Examples, st.TokenPercentile(50), st.TokenPercentile(95), st.TokenPercentile(99), st.TokenPercentile(100))
	ratio := map[Order]float64{}
	for _, order := range []Order{Shuffled, GroupByLength, SortedByLength} {
		plan, err := Plan(ex, 32, 42, 0, BatchOptions{Order: order})
		if err != nil {
			t.Fatal(err)
		}
		pad, total := Padding(ex, plan)
		ratio[order] = float64(pad) / float64(total)
		t.Logf("order %d, batch 32: %d batches, padding %d of %d (%.1f%%)", order, len(plan), pad, total, 100*ratio[order])
	}
	if ratio[GroupByLength] >= ratio[Shuffled]/2 {
		t.Errorf("grouping by length does not cut padding: %v", ratio)
	}
}

var loadMBERT = sync.OnceValues(func() (*wordpiece.Tokenizer, error) {
	return wordpiece.Load("../testdata/data/mbert-vocab/vocab.txt")
})

func mbert(t *testing.T) *wordpiece.Tokenizer {
	t.Helper()
	tok, err := loadMBERT()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
