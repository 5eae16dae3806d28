package optim

import "testing"

// BenchmarkAdamW: one update of 16 M parameters (a fifth of bert-base).
func BenchmarkAdamW(b *testing.B) {
	const n = 16 << 20
	params, grads := make([]float32, n), make([]float32, n)
	for i := range grads {
		grads[i] = float32(i%7) * 1e-3
	}
	opt, err := NewAdamW(AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}, n, []Span{{0, n / 2, true}, {n / 2, n / 2, false}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n * 4)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		opt.StepScaled(params, grads, 1e-3, 0.5)
	}
}
