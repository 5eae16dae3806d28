package bert

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/optim"
)

// baseConfig is bert-base's shape (12 layers, 768 hidden, 12 heads, FFN
// 3072, dropout 0.1) with a vocabulary of 8000 instead of mBERT's 119547, to
// keep the benchmark's memory and AdamW time down; the encoder work is the
// same.
func baseConfig() *checkpoint.Config {
	return &checkpoint.Config{
		ModelType: "bert", VocabSize: 8000, HiddenSize: 768, NumHiddenLayers: 12,
		NumAttentionHeads: 12, IntermediateSize: 3072, HiddenAct: "gelu",
		HiddenDropoutProb: 0.1, AttentionProbsDropoutProb: 0.1,
		MaxPositionEmbeddings: 512, TypeVocabSize: 2, InitializerRange: 0.02,
		LayerNormEps: 1e-12,
	}
}

// randomBatch has rows of random length in [len/2, len], padded, labelled.
func randomBatch(size, length, vocab, labels int, seed uint64) *dataset.Batch {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := size * length
	b := &dataset.Batch{Size: size, Len: length, InputIDs: make([]int32, n),
		TokenTypeIDs: make([]int32, n), AttentionMask: make([]int32, n), Labels: make([]int32, n)}
	for r := 0; r < size; r++ {
		real := length/2 + rng.IntN(length/2+1)
		for t := 0; t < length; t++ {
			i := r*length + t
			b.Labels[i] = dataset.IgnoreLabel
			if t < real {
				b.InputIDs[i] = int32(1 + rng.IntN(vocab-1))
				b.AttentionMask[i] = 1
				if t > 0 && t < real-1 {
					b.Labels[i] = int32(rng.IntN(labels))
				}
			}
		}
	}
	return b
}

// BenchmarkTrainStepBase: one optimizer step (zero grad, forward, backward,
// clip, AdamW) of a bert-base-sized model on a 16×64 batch.
func BenchmarkTrainStepBase(b *testing.B) {
	if testing.Short() {
		b.Skip("bert-base benchmark skipped in -short mode")
	}
	m, err := New(baseConfig(), 9, 1)
	if err != nil {
		b.Fatal(err)
	}
	batch := randomBatch(16, 64, 8000, 9, 1)
	step := func() {
		m.ZeroGrad()
		if _, err := m.Forward(batch, true); err != nil {
			b.Fatal(err)
		}
		if err := m.Backward(0); err != nil {
			b.Fatal(err)
		}
		m.Step(5e-5, 1)
	}
	step() // size the arena and the optimizer state
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		step()
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(b.N*16*64)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkInferenceBase: an eval forward of a bert-base-sized model on a
// 32×64 batch.
func BenchmarkInferenceBase(b *testing.B) {
	if testing.Short() {
		b.Skip("bert-base benchmark skipped in -short mode")
	}
	m, err := New(baseConfig(), 9, 1)
	if err != nil {
		b.Fatal(err)
	}
	batch := randomBatch(32, 64, 8000, 9, 2)
	if _, err := m.Forward(batch, false); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := m.Forward(batch, false); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(b.N*32*64)/b.Elapsed().Seconds(), "tokens/s")
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
}

// smallConfig is the product's scratch:small demo model: 4 layers, 256
// wide, with mBERT's full 119,547-token vocabulary (so the word-embedding
// table, 30.6 M of its 34 M parameters, dominates the optimizer's work).
func smallConfig() *checkpoint.Config {
	c := baseConfig()
	c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize = 119547, 256, 4, 4, 1024
	return c
}

// BenchmarkTrainStepSmall: one optimizer step of scratch:small on a 16×48
// batch, weight decay 0.01 as nerkit bench uses.
func BenchmarkTrainStepSmall(b *testing.B) {
	m, err := New(smallConfig(), 9, 1)
	if err != nil {
		b.Fatal(err)
	}
	m.SetOptimizer(optim.AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01})
	batch := randomBatch(16, 48, 119547, 9, 1)
	step := func() {
		m.ZeroGrad()
		if _, err := m.Forward(batch, true); err != nil {
			b.Fatal(err)
		}
		if err := m.Backward(0); err != nil {
			b.Fatal(err)
		}
		m.Step(5e-5, 1)
	}
	step()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		step()
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(b.N*16*48)/b.Elapsed().Seconds(), "tokens/s")
}
