package vecmath

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAdamWVectorMatchesScalar: the assembly gives the scalar code's bits,
// for lengths that are not multiples of the vector width, with and without
// decay and clipping.
func TestAdamWVectorMatchesScalar(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 here")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 7, 8, 9, 100, 1029} {
		for _, k := range []AdamWScalars{
			{Scale: 1, W1: 0.1, Beta2: 0.999, W2: 0.001, Bc2: float32(math.Sqrt(1 - 0.999)), Eps: 1e-8, Decay: 1, LRNeg: -1e-3 / 0.1},
			{Scale: 0.37, W1: 0.1, Beta2: 0.999, W2: 0.001, Bc2: 0.3, Eps: 1e-8, Decay: 0.9999, LRNeg: -5e-5},
		} {
			p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range p {
				p[i], g[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()*1e-2)
				m[i], v[i] = float32(rng.NormFloat64()*1e-3), float32(rng.Float64()*1e-5)
			}
			p2, m2, v2 := slices.Clone(p), slices.Clone(m), slices.Clone(v)
			for range 3 {
				AdamW(p, g, m, v, &k)
				adamwScalar(p2, g, m2, v2, &k)
			}
			for i := range p {
				if math.Float32bits(p[i]) != math.Float32bits(p2[i]) || math.Float32bits(m[i]) != math.Float32bits(m2[i]) || math.Float32bits(v[i]) != math.Float32bits(v2[i]) {
					t.Fatalf("n %d element %d: vector (%v %v %v), scalar (%v %v %v)", n, i, p[i], m[i], v[i], p2[i], m2[i], v2[i])
				}
			}
		}
	}
}

func BenchmarkAdamW(b *testing.B) {
	const n = 1 << 20
	p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range g {
		g[i] = float32(i%7) * 1e-3
	}
	k := AdamWScalars{Scale: 1, W1: 0.1, Beta2: 0.999, W2: 0.001, Bc2: 0.3, Eps: 1e-8, Decay: 0.9999, LRNeg: -5e-5}
	b.SetBytes(n * 4)
	for b.Loop() {
		AdamW(p, g, m, v, &k)
	}
}
