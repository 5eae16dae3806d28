package crf

import "math"

// lattice holds the forward and backward log-scores of one sentence.
//
// Numerics: the true forward score αₜ(j) = log Σ over prefixes ending in j
// grows with the sentence (tens per word), and float32 keeps only about 7
// digits, so storing it as is would lose precision with every word. Each
// step therefore stores αₜ minus its maximum over labels (so the labels
// that matter sit near 0, where float32 is precise) and carries the
// subtracted maxima in a float64 offset; likewise for β. Log-sum-exps
// subtract their maximum before exponentiating and sum in float64, as the
// engine's cross-entropy does. −∞ (a forbidden move of a constrained CRF)
// passes through: exp(−∞) = 0, and a log-sum-exp of only −∞ is −∞.
type lattice struct {
	n, l        int
	em          []float32 // n×L emissions (the caller's)
	sc          scores
	edges       Edges
	alpha, beta []float32 // n×L, each row shifted so its maximum is 0
	aOff, bOff  []float64 // per row, the shift: true α = alpha + aOff
	logZ        float64
}

// newLattice runs the forward and backward passes. em must hold n×L finite
// scores, n ≥ 1.
func newLattice(em []float32, n int, sc scores, edges Edges) *lattice {
	l := sc.l
	lat := &lattice{n: n, l: l, em: em[:n*l], sc: sc, edges: edges,
		alpha: make([]float32, n*l), beta: make([]float32, n*l),
		aOff: make([]float64, n), bOff: make([]float64, n)}
	lat.forward()
	lat.backward()
	return lat
}

// forward computes α₀(j) = start[j] + em₀(j) and
// αₜ(j) = emₜ(j) + log Σᵢ exp(αₜ₋₁(i) + trans[i][j]), then log Z.
func (lat *lattice) forward() {
	l := lat.l
	v := make([]float64, l)
	terms := make([]float64, l)
	for j := range l {
		v[j] = float64(lat.em[j])
		if lat.edges&SentenceStart != 0 {
			v[j] += float64(lat.sc.start[j])
		}
	}
	lat.aOff[0] = shiftRow(lat.alpha[:l], v)
	for t := 1; t < lat.n; t++ {
		prev := lat.alpha[(t-1)*l : t*l]
		for j := range l {
			for i := range l {
				terms[i] = float64(prev[i]) + float64(lat.sc.trans[i*l+j])
			}
			v[j] = logSumExp(terms) + float64(lat.em[t*l+j])
		}
		lat.aOff[t] = lat.aOff[t-1] + shiftRow(lat.alpha[t*l:(t+1)*l], v)
	}
	last := lat.alpha[(lat.n-1)*l:]
	for j := range l {
		terms[j] = float64(last[j])
		if lat.edges&SentenceEnd != 0 {
			terms[j] += float64(lat.sc.end[j])
		}
	}
	lat.logZ = lat.aOff[lat.n-1] + logSumExp(terms)
}

// backward computes βₙ₋₁(i) = end[i] and
// βₜ(i) = log Σⱼ exp(trans[i][j] + emₜ₊₁(j) + βₜ₊₁(j)).
func (lat *lattice) backward() {
	l := lat.l
	v := make([]float64, l)
	terms := make([]float64, l)
	for i := range l {
		if lat.edges&SentenceEnd != 0 {
			v[i] = float64(lat.sc.end[i])
		}
	}
	lat.bOff[lat.n-1] = shiftRow(lat.beta[(lat.n-1)*l:], v)
	for t := lat.n - 2; t >= 0; t-- {
		next := lat.beta[(t+1)*l : (t+2)*l]
		emNext := lat.em[(t+1)*l : (t+2)*l]
		for i := range l {
			for j := range l {
				terms[j] = float64(lat.sc.trans[i*l+j]) + float64(emNext[j]) + float64(next[j])
			}
			v[i] = logSumExp(terms)
		}
		lat.bOff[t] = lat.bOff[t+1] + shiftRow(lat.beta[t*l:(t+1)*l], v)
	}
}

// nodeMarginals writes γₜ(j) = P(yₜ = j) for every t into out (n×L).
// Each row is normalised on its own (αₜ + βₜ summed over j gives log Z up
// to the row's offsets), so every row sums to 1 up to float32 rounding.
func (lat *lattice) nodeMarginals(out []float32) {
	l := lat.l
	terms := make([]float64, l)
	for t := range lat.n {
		a, b := lat.alpha[t*l:(t+1)*l], lat.beta[t*l:(t+1)*l]
		for j := range l {
			terms[j] = float64(a[j]) + float64(b[j])
		}
		z := logSumExp(terms)
		for j := range l {
			out[t*l+j] = float32(expDiff(terms[j], z))
		}
	}
}

// pairMarginals writes ξₜ(i, j) = P(yₜ₋₁ = i, yₜ = j) for one t ≥ 1 into
// out (L×L), normalised over (i, j) like nodeMarginals' rows.
func (lat *lattice) pairMarginals(t int, out []float64) {
	l := lat.l
	a := lat.alpha[(t-1)*l : t*l]
	b := lat.beta[t*l : (t+1)*l]
	em := lat.em[t*l : (t+1)*l]
	for i := range l {
		for j := range l {
			out[i*l+j] = float64(a[i]) + float64(lat.sc.trans[i*l+j]) + float64(em[j]) + float64(b[j])
		}
	}
	z := logSumExp(out)
	for k, v := range out {
		out[k] = expDiff(v, z)
	}
}

// trueAlpha and trueBeta undo the row shifts.
func (lat *lattice) trueAlpha(t, j int) float64 {
	return float64(lat.alpha[t*lat.l+j]) + lat.aOff[t]
}

func (lat *lattice) trueBeta(t, j int) float64 {
	return float64(lat.beta[t*lat.l+j]) + lat.bOff[t]
}

// shiftRow stores v minus its maximum into row (float32) and returns the
// maximum. A row of only −∞ cannot occur with finite emissions: the
// constraints always leave a path open (NewConstraints checks).
func shiftRow(row []float32, v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	for j, x := range v {
		row[j] = float32(x - m)
	}
	return m
}

// logSumExp is log Σ exp(x), stable: the maximum is taken out first.
func logSumExp(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	if math.IsInf(m, -1) {
		return m
	}
	var s float64
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

// expDiff is exp(v − z), 0 for v = −∞.
func expDiff(v, z float64) float64 {
	if math.IsInf(v, -1) {
		return 0
	}
	return math.Exp(v - z)
}
