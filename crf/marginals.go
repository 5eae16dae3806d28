package crf

import (
	"fmt"
	"math"
)

// Marginals are the forward–backward results of one whole sentence: the
// probability of every label at every word, of every label pair at every
// pair of neighbours, and of whole spans of tags.
type Marginals struct {
	lat  *lattice // nil for an empty sentence
	cons *Constraints
	node []float32 // n×L
}

// Marginals runs forward–backward over a whole sentence of n words (em is
// n×L, copied).
func (c *CRF) Marginals(em []float32, n int) (*Marginals, error) {
	if err := c.checkEmissions(em, n); err != nil {
		return nil, err
	}
	m := &Marginals{cons: c.cons, node: make([]float32, n*c.cons.Len())}
	if n > 0 {
		m.lat = newLattice(append([]float32(nil), em[:n*c.cons.Len()]...), n, c.scores(), WholeSentence)
		m.lat.nodeMarginals(m.node)
	}
	return m, nil
}

// Len is the number of words.
func (m *Marginals) Len() int { return len(m.node) / m.cons.Len() }

// At is P(yₜ = j).
func (m *Marginals) At(t, j int) float32 { return m.node[t*m.cons.Len()+j] }

// Row returns P(yₜ = ·), L values summing to 1 (a copy).
func (m *Marginals) Row(t int) []float32 {
	l := m.cons.Len()
	return append([]float32(nil), m.node[t*l:(t+1)*l]...)
}

// Pair returns P(yₜ₋₁ = i, yₜ = j) at [i*L+j], for 1 ≤ t < Len().
func (m *Marginals) Pair(t int) []float64 {
	if t < 1 || t >= m.Len() {
		panic(fmt.Sprintf("crf: Pair(%d) of a %d-word sentence", t, m.Len()))
	}
	l := m.cons.Len()
	out := make([]float64, l*l)
	m.lat.pairMarginals(t, out)
	return out
}

// LogPartition is log Z.
func (m *Marginals) LogPartition() float64 {
	if m.lat == nil {
		return 0
	}
	return m.lat.logZ
}

// TagConfidences returns P(yₜ = tags[t]) for each word: a word's
// confidence in its tag, for errors.tsv and word-level scores.
func (m *Marginals) TagConfidences(tags []int) []float32 {
	out := make([]float32, len(tags))
	for t, j := range tags {
		out[t] = m.At(t, j)
	}
	return out
}

// SpanProbability is P(y[start : start+len(tags)] = tags): the exact
// probability that the words hold these tags jointly, whatever the rest of
// the sentence holds.
func (m *Marginals) SpanProbability(start int, tags []int) float64 {
	return m.spanProbability(start, tags, nil, nil)
}

// EntityProbability is the confidence nerkit gives an entity: the exact
// probability that the words [start, start+len(tags)) hold tags and that
// the entity has exactly these boundaries — the next word does not continue
// it (no I-X or E-X of its type follows), and, when tags begins with I-X as
// an unconstrained decoder may, the previous word does not hold an open X.
// It is the probability that the entity is right, under the model.
//
// Why not the product or the minimum of the words' marginals: the product
// is the span's probability only if the words were independent, which is
// just what a CRF does not assume (after B-PER it may make I-PER almost
// certain), so it underrates long entities; the minimum is an upper bound
// of the span's probability (the span needs every word right), reached
// only when the words' uncertainties are the same event, so it overrates
// entities whose words are unsure in different ways. Forward–backward
// gives the exact value at no extra cost (one pass along the span), so
// nerkit uses it; it is never above the minimum. In marginals it is the
// chain rule along the span, γₛ(yₛ) · Π P(yₜ | yₜ₋₁) with
// P(yₜ | yₜ₋₁) = ξₜ(yₜ₋₁, yₜ) / γₜ₋₁(yₜ₋₁), times the boundary terms; it is
// computed from the forward and backward scores directly, which avoids
// dividing by marginals that may round to 0.
func (m *Marginals) EntityProbability(start int, tags []int) float64 {
	if len(tags) == 0 {
		return 0
	}
	l := m.cons.Len()
	first := m.cons.tags[tags[0]]
	var before []bool
	if first.continues() {
		before = make([]bool, l)
		for i, t := range m.cons.tags {
			before[i] = !(t.open() && t.typ == first.typ)
		}
	}
	after := make([]bool, l)
	for k, t := range m.cons.tags {
		after[k] = !(t.continues() && t.typ == first.typ)
	}
	return m.spanProbability(start, tags, before, after)
}

// spanProbability is P(y[s..e] = tags, y[s−1] ∈ before, y[e+1] ∈ after),
// a nil set meaning any label (and the set is moot at a sentence end),
// computed in log space from the lattice:
//
//	log P = log Σ_{i∈before} exp(αₛ₋₁(i) + trans[i][tags₀]) + emₛ(tags₀)
//	      + Σₜ (trans[tagsₜ₋₁][tagsₜ] + emₛ₊ₜ(tagsₜ))
//	      + log Σ_{k∈after} exp(trans[tagsₗₐₛₜ][k] + emₑ₊₁(k) + βₑ₊₁(k))
//	      − log Z
func (m *Marginals) spanProbability(s int, tags []int, before, after []bool) float64 {
	n := m.Len()
	e := s + len(tags) - 1
	if s < 0 || e >= n || len(tags) == 0 {
		panic(fmt.Sprintf("crf: span of %d words at %d in a %d-word sentence", len(tags), s, n))
	}
	lat, l := m.lat, m.cons.Len()
	tr := lat.sc.trans
	var logP float64
	if before != nil && s > 0 {
		var terms []float64
		for i, ok := range before {
			if ok {
				terms = append(terms, lat.trueAlpha(s-1, i)+float64(tr[i*l+tags[0]]))
			}
		}
		logP = logSumExp(terms) + float64(lat.em[s*l+tags[0]])
	} else {
		logP = lat.trueAlpha(s, tags[0])
	}
	for t := 1; t < len(tags); t++ {
		logP += float64(tr[tags[t-1]*l+tags[t]]) + float64(lat.em[(s+t)*l+tags[t]])
	}
	last := tags[len(tags)-1]
	if after != nil && e < n-1 {
		var terms []float64
		for k, ok := range after {
			if ok {
				terms = append(terms, float64(tr[last*l+k])+float64(lat.em[(e+1)*l+k])+lat.trueBeta(e+1, k))
			}
		}
		logP += logSumExp(terms)
	} else {
		logP += lat.trueBeta(e, last)
	}
	return min(math.Exp(logP-lat.logZ), 1)
}
