package crf

import "math"

// lattice holds the forward and backward log-scores of one sentence.
//
// Numerics: the true forward score αₜ(j) = log Σ over prefixes ending in j
// grows with the sentence (tens per word), and float32 keeps only about 7
// digits, so storing it as is would lose precision with every word. Each
// step therefore stores αₜ minus its maximum over labels (so the labels
// that matter sit near 0, where float32 is precise) and carries the
// subtracted maxima in a float64 offset; likewise for β. −∞ (a forbidden
// move of a constrained CRF) passes through: exp(−∞) = 0.
//
// Every log-sum-exp is computed in float64 with its maximum taken out, in
// a factored form that needs one exponential per label and word instead of
// one per label pair: with G the largest finite transition score,
//
//	log Σᵢ exp(αₜ₋₁(i) + trans[i][j]) = G + log Σᵢ exp(αₜ₋₁(i)) · exp(trans[i][j] − G)
//
// where the stored row's maximum is 0, so every factor is at most 1 and the
// largest exp(αₜ₋₁(i)) is 1. The sum can only lose precision by underflow,
// when every predecessor of j sits hundreds of units below the best; such
// an entry is recomputed term by term (logSumExp), so the result is the
// log-space one in every case.
type lattice struct {
	n, l        int
	em          []float32 // n×L emissions (the caller's)
	sc          scores
	edges       Edges
	alpha, beta []float32 // n×L, each row shifted so its maximum is 0
	aOff, bOff  []float64 // per row, the shift: true α = alpha + aOff
	logZ        float64

	g    float64   // the largest finite transition score
	expT []float64 // L×L, exp(trans[i][j] − g); 0 for forbidden moves
	// The factors of the sums, kept for the pair marginals: expAlpha row t
	// is exp(alpha row t); succ row t (t ≥ 1) is exp(emₜ + βₜ) scaled so
	// its maximum is 1, the factor of word t as a successor.
	expAlpha, succ []float64 // n×L
	v, terms       []float64 // scratch, L each
}

// underflow bounds the factored sums that are recomputed term by term:
// far above float64's smallest normal number (2.2e-308), so a sum above it
// has full precision. A variable so that tests can force the term-by-term
// path everywhere.
var underflow = 1e-280

// newLattice runs the forward and backward passes. em must hold n×L finite
// scores, n ≥ 1.
func newLattice(em []float32, n int, sc scores, edges Edges) *lattice {
	l := sc.l
	lat := &lattice{n: n, l: l, em: em[:n*l], sc: sc, edges: edges,
		alpha: make([]float32, n*l), beta: make([]float32, n*l),
		aOff: make([]float64, n), bOff: make([]float64, n),
		expT:     make([]float64, l*l),
		expAlpha: make([]float64, n*l), succ: make([]float64, n*l),
		v: make([]float64, l), terms: make([]float64, l)}
	lat.g = math.Inf(-1)
	for _, x := range sc.trans {
		if !math.IsInf(float64(x), -1) {
			lat.g = max(lat.g, float64(x))
		}
	}
	for k, x := range sc.trans {
		lat.expT[k] = expDiff(float64(x), lat.g)
	}
	lat.forward()
	lat.backward()
	return lat
}

// forward computes α₀(j) = start[j] + em₀(j) and
// αₜ(j) = emₜ(j) + log Σᵢ exp(αₜ₋₁(i) + trans[i][j]), then log Z.
func (lat *lattice) forward() {
	l, v := lat.l, lat.v
	for j := range l {
		v[j] = float64(lat.em[j])
		if lat.edges&SentenceStart != 0 {
			v[j] += float64(lat.sc.start[j])
		}
	}
	lat.aOff[0] = shiftRow(lat.alpha[:l], v)
	for t := 1; t < lat.n; t++ {
		prev := lat.alpha[(t-1)*l : t*l]
		p := lat.expAlpha[(t-1)*l : t*l]
		for i, a := range prev {
			p[i] = expDiff(float64(a), 0)
		}
		for j := range l {
			var s float64
			for i := range l {
				s += p[i] * lat.expT[i*l+j]
			}
			if s > underflow {
				v[j] = lat.g + math.Log(s)
			} else {
				for i := range l {
					lat.terms[i] = float64(prev[i]) + float64(lat.sc.trans[i*l+j])
				}
				v[j] = logSumExp(lat.terms)
			}
			v[j] += float64(lat.em[t*l+j])
		}
		lat.aOff[t] = lat.aOff[t-1] + shiftRow(lat.alpha[t*l:(t+1)*l], v)
	}
	last := lat.alpha[(lat.n-1)*l:]
	for j := range l {
		lat.terms[j] = float64(last[j])
		if lat.edges&SentenceEnd != 0 {
			lat.terms[j] += float64(lat.sc.end[j])
		}
	}
	lat.logZ = lat.aOff[lat.n-1] + logSumExp(lat.terms)
}

// backward computes βₙ₋₁(i) = end[i] and
// βₜ(i) = log Σⱼ exp(trans[i][j] + emₜ₊₁(j) + βₜ₊₁(j)).
func (lat *lattice) backward() {
	l, v := lat.l, lat.v
	for i := range l {
		v[i] = 0
		if lat.edges&SentenceEnd != 0 {
			v[i] = float64(lat.sc.end[i])
		}
	}
	lat.bOff[lat.n-1] = shiftRow(lat.beta[(lat.n-1)*l:], v)
	for t := lat.n - 2; t >= 0; t-- {
		next := lat.beta[(t+1)*l : (t+2)*l]
		emNext := lat.em[(t+1)*l : (t+2)*l]
		q := lat.succ[(t+1)*l : (t+2)*l]
		m := successorFactors(q, next, emNext)
		for i := range l {
			var s float64
			for j := range l {
				s += lat.expT[i*l+j] * q[j]
			}
			if s > underflow {
				v[i] = m + lat.g + math.Log(s)
			} else {
				for j := range l {
					lat.terms[j] = float64(lat.sc.trans[i*l+j]) + float64(emNext[j]) + float64(next[j])
				}
				v[i] = logSumExp(lat.terms)
			}
		}
		lat.bOff[t] = lat.bOff[t+1] + shiftRow(lat.beta[t*l:(t+1)*l], v)
	}
}

// successorFactors sets q[j] = exp(em[j] + beta[j] − m) for the word after
// a step and returns m, the maximum of em + beta (so q ≤ 1, and = 1 once).
func successorFactors(q []float64, beta, em []float32) float64 {
	m := math.Inf(-1)
	for j := range q {
		m = max(m, float64(em[j])+float64(beta[j]))
	}
	for j := range q {
		q[j] = expDiff(float64(em[j])+float64(beta[j]), m)
	}
	return m
}

// nodeMarginals writes γₜ(j) = P(yₜ = j) for every t into out (n×L).
// Each row is normalised on its own (αₜ + βₜ summed over j gives log Z up
// to the row's offsets), so every row sums to 1 up to float32 rounding.
func (lat *lattice) nodeMarginals(out []float32) {
	l, terms := lat.l, lat.terms
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
// out (L×L), normalised over (i, j) like nodeMarginals' rows. In factored
// form ξₜ(i, j) ∝ exp(αₜ₋₁(i)) · exp(trans[i][j] − G) · exp(emₜ(j) + βₜ(j) − m),
// recomputed term by term should the normaliser underflow. The factors
// are those the forward and backward passes computed.
func (lat *lattice) pairMarginals(t int, out []float64) {
	l := lat.l
	a := lat.alpha[(t-1)*l : t*l]
	b := lat.beta[t*l : (t+1)*l]
	em := lat.em[t*l : (t+1)*l]
	p, q := lat.expAlpha[(t-1)*l:t*l], lat.succ[t*l:(t+1)*l]
	var z float64
	for i := range l {
		for j := range l {
			out[i*l+j] = p[i] * lat.expT[i*l+j] * q[j]
			z += out[i*l+j]
		}
	}
	if z > underflow {
		for k := range out {
			out[k] /= z
		}
		return
	}
	for i := range l {
		for j := range l {
			out[i*l+j] = float64(a[i]) + float64(lat.sc.trans[i*l+j]) + float64(em[j]) + float64(b[j])
		}
	}
	z = logSumExp(out)
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
