package dataset

import "testing"

func BenchmarkEncodeFactRuEvalDev(b *testing.B) {
	_, tok := loadGoldens(b, "factrueval2016/dev.txt")
	sentences := readConll(b, factDev)
	labels, _ := labelSet(sentences)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Encode(sentences, tok, labels, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFillBatch32(b *testing.B) {
	_, tok := loadGoldens(b, "factrueval2016/dev.txt")
	sentences := readConll(b, factDev)
	labels, _ := labelSet(sentences)
	ex, _, _ := Encode(sentences, tok, labels, Options{})
	plan, _ := Plan(ex, 32, 1, 0, BatchOptions{Order: Shuffled})
	var batch Batch
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		batch.Fill(ex, plan[i%len(plan)], 0)
	}
}

func BenchmarkCollectFactRuEvalDev(b *testing.B) {
	_, tok := loadGoldens(b, "factrueval2016/dev.txt")
	sentences := readConll(b, factDev)
	labels, _ := labelSet(sentences)
	ex, _, _ := Encode(sentences, tok, labels, Options{})
	batches, _ := Batches(ex, 32, 1, 0, BatchOptions{Order: SortedByLength})
	const numLabels = 7
	logits := make([][]float32, len(batches))
	for i, bt := range batches {
		logits[i] = make([]float32, bt.Size*bt.Len*numLabels)
		for j := range logits[i] {
			logits[i][j] = float32(j%13) * 0.3
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := NewCollector(sentences, ex, numLabels, 0)
		if err != nil {
			b.Fatal(err)
		}
		for i := range batches {
			if err := c.AddBatch(&batches[i], logits[i]); err != nil {
				b.Fatal(err)
			}
		}
		for s := range sentences {
			_ = c.Words(s)
		}
	}
}
