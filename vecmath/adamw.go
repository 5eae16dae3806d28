package vecmath

import "math"

// AdamWScalars are one AdamW step's per-element constants, as float32 (the
// layout is read by the assembly: keep the order).
type AdamWScalars struct {
	Scale float32 // gradient multiplier (clipping); 1 for none
	W1    float32 // 1 − β1
	Beta2 float32
	W2    float32 // 1 − β2
	Bc2   float32 // √(1 − β2ᵗ)
	Eps   float32
	Decay float32 // 1 − lr·wd, or 1
	LRNeg float32 // −lr/(1 − β1ᵗ)
}

// AdamW applies torch.optim.AdamW's single-tensor update, in float32, to
// every element of p (with g, m, v aligned):
//
//	gi = g·Scale;  m ← m + W1·(gi − m);  v ← v·Beta2 + (W2·gi)·gi
//	p ← p·Decay + LRNeg·(m / (√v/Bc2 + Eps))
//
// The vector and scalar code do the same correctly rounded operations in
// the same order, so the result is the same bits either way.
func AdamW(p, g, m, v []float32, k *AdamWScalars) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	if !useAVX2 {
		adamwScalar(p, g, m, v, k)
		return
	}
	body := n &^ (lanes - 1)
	if body > 0 {
		adamwAVX2(&p[0], &g[0], &m[0], &v[0], body, k)
	}
	adamwScalar(p[body:], g[body:], m[body:], v[body:], k)
}

func adamwScalar(p, g, m, v []float32, k *AdamWScalars) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	scale, w1, beta2, w2, bc2, eps, decay, lrNeg := k.Scale, k.W1, k.Beta2, k.W2, k.Bc2, k.Eps, k.Decay, k.LRNeg
	for i := range p {
		// float32() around each product keeps a compiler that fuses
		// multiply-adds (GOAMD64=v3) from changing the rounding.
		gi := g[i] * scale
		mi := m[i] + float32(w1*(gi-m[i]))
		vi := float32(v[i]*beta2) + float32(float32(w2*gi)*gi)
		m[i], v[i] = mi, vi
		denom := float32(math.Sqrt(float64(vi)))/bc2 + eps
		p[i] = float32(p[i]*decay) + float32(lrNeg*(mi/denom))
	}
}
