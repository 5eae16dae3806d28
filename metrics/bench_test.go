package metrics

import "testing"

// goldenCorpus returns the first golden case's tags (FactRuEval dev, 19k
// tokens, light noise).
func goldenCorpus(tb testing.TB) (gold, pred [][]string) {
	g := loadGoldens(tb)
	for _, s := range g.Cases[0].Sentences {
		gold = append(gold, s.Gold)
		pred = append(pred, s.Pred)
	}
	return gold, pred
}

// The scorer runs every epoch on dev: once a Counter has seen every type,
// adding sentences must not allocate.
func TestCounterAddDoesNotAllocate(t *testing.T) {
	gold, pred := goldenCorpus(t)
	for _, mode := range []Mode{Conlleval, Strict} {
		c := NewCounter(mode)
		addAll := func() {
			for i := range gold {
				if err := c.Add(gold[i], pred[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		addAll() // meet every type, grow the strict buffers
		if n := testing.AllocsPerRun(3, addAll); n != 0 {
			t.Errorf("%v: %v allocations per pass over %d sentences", mode, n, len(gold))
		}
	}
}

func benchmarkScore(b *testing.B, mode Mode) {
	gold, pred := goldenCorpus(b)
	tokens := 0
	for _, s := range gold {
		tokens += len(s)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Score(gold, pred, mode); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtokens/s")
}

func BenchmarkScoreConlleval(b *testing.B) { benchmarkScore(b, Conlleval) }
func BenchmarkScoreStrict(b *testing.B)    { benchmarkScore(b, Strict) }

func BenchmarkConfusion(b *testing.B) {
	gold, pred := goldenCorpus(b)
	labels := []string{"O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Confusion(gold, pred, labels); err != nil {
			b.Fatal(err)
		}
	}
}
