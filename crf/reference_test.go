package crf

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nerkit/nerkit/conll"
)

// This file holds the references the tests compare against: enumeration of
// every tag sequence (exact, for short sentences) and a plain float64
// forward–backward without row shifts (for long ones), both written from
// the definition of the model and independent of the package's code.

// ref is a CRF in float64, read from a CRF's parameters.
type ref struct {
	l                 int
	trans, start, end []float64
	allowed           func(i, j int) bool // nil: all moves possible
	allowedStart      func(j int) bool
	allowedEnd        func(i int) bool
}

func refOf(c *CRF) ref {
	r := ref{l: c.NumLabels(), trans: to64(c.Transitions()), start: to64(c.StartTransitions()), end: to64(c.EndTransitions())}
	if c.Constrained() {
		cons := c.Constraints()
		r.allowed, r.allowedStart, r.allowedEnd = cons.Allowed, cons.AllowedStart, cons.AllowedEnd
	}
	return r
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// score is s(y) by its definition; −∞ for a forbidden sequence.
func (r ref) score(em []float32, y []int, edges Edges) float64 {
	s := 0.0
	for t, j := range y {
		s += float64(em[t*r.l+j])
		if t > 0 {
			if r.allowed != nil && !r.allowed(y[t-1], j) {
				return math.Inf(-1)
			}
			s += r.trans[y[t-1]*r.l+j]
		}
	}
	if edges&SentenceStart != 0 {
		if r.allowedStart != nil && !r.allowedStart(y[0]) {
			return math.Inf(-1)
		}
		s += r.start[y[0]]
	}
	if edges&SentenceEnd != 0 {
		if r.allowedEnd != nil && !r.allowedEnd(y[len(y)-1]) {
			return math.Inf(-1)
		}
		s += r.end[y[len(y)-1]]
	}
	return s
}

// enumerate calls f with every one of the Lⁿ sequences and its score.
func (r ref) enumerate(em []float32, n int, edges Edges, f func(y []int, s float64)) {
	y := make([]int, n)
	for {
		f(y, r.score(em, y, edges))
		t := n - 1
		for t >= 0 && y[t] == r.l-1 {
			y[t] = 0
			t--
		}
		if t < 0 {
			return
		}
		y[t]++
	}
}

// brute holds what enumeration gives: log Z, marginals, expected counts.
type brute struct {
	logZ              float64
	node              []float64 // n×L
	trans, start, end []float64 // expected counts
	best              []int
	bestScore         float64
}

func (r ref) brute(em []float32, n int, edges Edges) brute {
	var scores []float64
	b := brute{bestScore: math.Inf(-1)}
	r.enumerate(em, n, edges, func(y []int, s float64) {
		scores = append(scores, s)
		if s > b.bestScore {
			b.bestScore, b.best = s, append([]int(nil), y...)
		}
	})
	b.logZ = logSumExp(scores)
	b.node = make([]float64, n*r.l)
	b.trans, b.start, b.end = make([]float64, r.l*r.l), make([]float64, r.l), make([]float64, r.l)
	r.enumerate(em, n, edges, func(y []int, s float64) {
		p := math.Exp(s - b.logZ)
		for t, j := range y {
			b.node[t*r.l+j] += p
			if t > 0 {
				b.trans[y[t-1]*r.l+j] += p
			}
		}
		if edges&SentenceStart != 0 {
			b.start[y[0]] += p
		}
		if edges&SentenceEnd != 0 {
			b.end[y[n-1]] += p
		}
	})
	return b
}

// spanProb sums the probability of the sequences that keep pred on [s, e]
// and satisfy keep.
func (r ref) spanProb(em []float32, n int, logZ float64, keep func(y []int) bool) float64 {
	p := 0.0
	r.enumerate(em, n, WholeSentence, func(y []int, s float64) {
		if keep(y) {
			p += math.Exp(s - logZ)
		}
	})
	return p
}

// forward64 is log Z by the plain forward algorithm in float64, without
// the shifted rows of the package's lattice.
func (r ref) forward64(em []float32, n int) float64 {
	alpha := make([]float64, r.l)
	for j := range r.l {
		alpha[j] = r.start[j] + float64(em[j])
	}
	next := make([]float64, r.l)
	terms := make([]float64, r.l)
	for t := 1; t < n; t++ {
		for j := range r.l {
			for i := range r.l {
				terms[i] = alpha[i] + r.trans[i*r.l+j]
			}
			next[j] = logSumExp(terms) + float64(em[t*r.l+j])
		}
		alpha, next = next, alpha
	}
	for j := range r.l {
		terms[j] = alpha[j] + r.end[j]
	}
	return logSumExp(terms)
}

// marginals64 is every P(yₜ = j) by plain float64 forward–backward.
func (r ref) marginals64(em []float32, n int) []float64 {
	l := r.l
	alpha, beta := make([]float64, n*l), make([]float64, n*l)
	terms := make([]float64, l)
	for j := range l {
		alpha[j] = r.start[j] + float64(em[j])
		beta[(n-1)*l+j] = r.end[j]
	}
	for t := 1; t < n; t++ {
		for j := range l {
			for i := range l {
				terms[i] = alpha[(t-1)*l+i] + r.trans[i*l+j]
			}
			alpha[t*l+j] = logSumExp(terms) + float64(em[t*l+j])
		}
	}
	for t := n - 2; t >= 0; t-- {
		for i := range l {
			for j := range l {
				terms[j] = r.trans[i*l+j] + float64(em[(t+1)*l+j]) + beta[(t+1)*l+j]
			}
			beta[t*l+i] = logSumExp(terms)
		}
	}
	for j := range l {
		terms[j] = alpha[(n-1)*l+j] + r.end[j]
	}
	logZ := logSumExp(terms)
	out := make([]float64, n*l)
	for k := range out {
		out[k] = math.Exp(alpha[k] + beta[k] - logZ)
	}
	return out
}

// Test fixtures.

// smallLabels keeps enumeration cheap (5ⁿ sequences) with two types.
var smallLabels = []string{"O", "B-PER", "I-PER", "B-LOC", "I-LOC"}

func mustCRF(t testing.TB, labels []string, scheme conll.Scheme, constrained bool) *CRF {
	t.Helper()
	c, err := New(labels, scheme, constrained)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// randomize gives every parameter a random value, forbidden transitions
// included: a constrained CRF must ignore whatever is stored there.
func randomize(c *CRF, rng *rand.Rand, scale float64) {
	for i := range c.params {
		c.params[i] = float32(rng.NormFloat64() * scale)
	}
}

func randomEmissions(rng *rand.Rand, n, l int, scale float64) []float32 {
	em := make([]float32, n*l)
	for i := range em {
		em[i] = float32(rng.NormFloat64() * scale)
	}
	return em
}

func randomGold(rng *rand.Rand, n, l int) []int32 {
	g := make([]int32, n)
	for i := range g {
		g[i] = int32(rng.IntN(l))
	}
	return g
}

// validGold draws a random sequence the constraints allow.
func validGold(rng *rand.Rand, c *Constraints, n int) []int32 {
	em := randomEmissions(rng, n, c.Len(), 3)
	tags := DecodeConstrained(em, n, c, WholeSentence)
	g := make([]int32, n)
	for i, j := range tags {
		g[i] = int32(j)
	}
	return g
}
