package crf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nerkit/nerkit/conll"
)

// Per-sentence costs at typical sizes (20–60 words, the 9 CoNLL-2003
// labels), to set against the encoder's cost per sentence. Each iteration
// is one sentence; run with
//
//	go test ./crf -run '^$' -bench . -benchtime 2000x
var benchWords = []int{20, 40, 60}

// benchSentence draws softmax-like word distributions with a clear winner
// per word, as a trained tagger's are.
func benchSentence(n, l int) ([]float32, [][]float32) {
	rng := rand.New(rand.NewPCG(uint64(n), 99))
	logits := randomEmissions(rng, n, l, 3)
	probs := make([][]float32, n)
	for t := range n {
		row := logits[t*l : (t+1)*l]
		probs[t] = make([]float32, l)
		var sum float64
		for j, v := range row {
			e := math.Exp(float64(v))
			probs[t][j] = float32(e)
			sum += e
		}
		for j := range probs[t] {
			probs[t][j] = float32(float64(probs[t][j]) / sum)
		}
	}
	return logits, probs
}

// BenchmarkDecodeConstrained is --decode constrained on a softmax head's
// word-level probabilities (logs included).
func BenchmarkDecodeConstrained(b *testing.B) {
	labels := conll.PresetLabels().Labels()
	c, err := NewConstraints(labels, conll.IOB2)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range benchWords {
		_, probs := benchSentence(n, len(labels))
		b.Run(fmt.Sprintf("words=%d", n), func(b *testing.B) {
			for b.Loop() {
				if tags := DecodeConstrainedProbs(probs, c); len(tags) != n {
					b.Fatal(len(tags))
				}
			}
		})
	}
}

// BenchmarkCRFDecode is what a CRF head costs per sentence when tagging:
// Viterbi, forward–backward marginals, and the exact probability of every
// decoded entity.
func BenchmarkCRFDecode(b *testing.B) {
	labels := conll.PresetLabels().Labels()
	c, err := New(labels, conll.IOB2, false)
	if err != nil {
		b.Fatal(err)
	}
	randomize(c, rand.New(rand.NewPCG(1, 1)), 1)
	for _, n := range benchWords {
		em, _ := benchSentence(n, len(labels))
		b.Run(fmt.Sprintf("words=%d", n), func(b *testing.B) {
			for b.Loop() {
				tags, m, err := c.Decode(em, n)
				if err != nil {
					b.Fatal(err)
				}
				scoreEntities(m, tags, labels)
			}
		})
	}
}

// scoreEntities scores each B-X I-X… run, as a tagger would.
func scoreEntities(m *Marginals, tags []int, labels []string) float64 {
	var sum float64
	for s := 0; s < len(tags); s++ {
		if labels[tags[s]][0] != 'B' {
			continue
		}
		e := s + 1
		for e < len(tags) && labels[tags[e]] == "I-"+labels[tags[s]][2:] {
			e++
		}
		sum += m.EntityProbability(s, tags[s:e])
	}
	return sum
}

// BenchmarkCRFNLL is the CRF's training cost per sentence: loss and
// gradients with respect to emissions and parameters.
func BenchmarkCRFNLL(b *testing.B) {
	labels := conll.PresetLabels().Labels()
	c, err := New(labels, conll.IOB2, false)
	if err != nil {
		b.Fatal(err)
	}
	l := len(labels)
	for _, n := range benchWords {
		em, _ := benchSentence(n, l)
		gold := randomGold(rand.New(rand.NewPCG(2, 2)), n, l)
		dEm, dParams := make([]float32, n*l), make([]float32, NumParams(l))
		b.Run(fmt.Sprintf("words=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := c.NLL(em, gold, n, WholeSentence, dEm, dParams, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
