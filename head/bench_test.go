package head

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkDecodeSentence is the per-sentence cost of each decoding on a
// 20-word sentence over FactRuEval's 7 labels plus two more types (the
// encoder's cost per sentence is in BENCHMARKS.md beside it).
func BenchmarkDecodeSentence(b *testing.B) {
	labels := []string{"O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"}
	rng := rand.New(rand.NewPCG(1, 2))
	probs := make([][]float32, 20)
	for w := range probs {
		row := make([]float32, len(labels))
		var s float32
		for j := range row {
			row[j] = rng.Float32()
			s += row[j]
		}
		for j := range row {
			row[j] /= s
		}
		probs[w] = row
	}
	for _, c := range []struct {
		name string
		kind Kind
		dec  Decode
	}{{"argmax", Softmax, Argmax}, {"constrained", Softmax, Constrained}, {"crf", CRF, ""}} {
		h, err := New(labels, c.kind, true, c.dec)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				h.DecodeSentence(probs)
			}
		})
	}
}
