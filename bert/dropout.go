package bert

import (
	"github.com/nerkit/nerkit/parallel"
	"github.com/nerkit/nerkit/vecmath"
)

// dropout is inverted dropout as torch.nn.Dropout in training: keep each
// element with probability 1−p and scale kept ones by 1/(1−p).
//
// The keep decision is a pure function of (seed, forward-call counter, site,
// element index), a counter-based RNG: it does not depend on which goroutine
// handles the element, so results are the same for any thread count, and
// the backward pass recomputes the mask instead of storing it. The random
// stream is nerkit's own, not torch's: equal in distribution, not in bits.
type dropout struct {
	p     float32 // 0 = identity (eval mode or p = 0)
	scale float32 // 1/(1−p)
	key   uint64
}

func newDropout(p float64, seed int64, call uint64, site int) dropout {
	if p <= 0 {
		return dropout{}
	}
	return dropout{
		p:     float32(p),
		scale: float32(1 / (1 - p)),
		key:   mix64(mix64(uint64(seed)^0x6a09e667f3bcc909) + call*0x9e3779b97f4a7c15 + uint64(site)*0xbf58476d1ce4e5b9),
	}
}

func (d dropout) active() bool { return d.p > 0 }

// apply is the forward (and, for a gradient, the backward) of element i.
func (d dropout) apply(v float32, i int) float32 {
	if d.p == 0 {
		return v
	}
	if vecmath.DropoutKeep(d.key, i, d.p) {
		return v * d.scale
	}
	return 0
}

// applyRun is apply over a run of elements whose first has index first:
// dst[i] = d.apply(src[i], first+i), vectorised (dst may be src).
func (d dropout) applyRun(dst, src []float32, first int) {
	if d.p == 0 {
		copy(dst, src)
		return
	}
	vecmath.Dropout(dst, src, d.key, first, d.p, d.scale)
}

// mix64 is splitmix64's finaliser.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// dropoutTask applies d elementwise: dst[i] = d.apply(src[i], i). Used for the
// gradient through a dropout whose input was not kept.
type dropoutTask struct {
	src, dst []float32
	d        dropout
}

func (t *dropoutTask) Run(lo, hi int) {
	t.d.applyRun(t.dst[lo:hi], t.src[lo:hi], lo)
}

// dropout sites: one key per place a dropout is applied.
func siteEmbeddings() int            { return 0 }
func siteAttnProbs(l int) int        { return 1 + 3*l }
func siteAttnOutput(l int) int       { return 2 + 3*l }
func siteFFNOutput(l int) int        { return 3 + 3*l }
func (m *Model) siteClassifier() int { return 1 + 3*m.layers }

// dropout returns the dropout with probability p at site for the current
// forward pass: the identity outside training.
func (m *Model) dropout(p float64, site int) dropout {
	if !m.train {
		return dropout{}
	}
	return newDropout(p, m.seed, m.calls, site)
}

// dropoutBackward returns the gradient below a hidden dropout: d itself when
// the dropout is off, else a masked copy in the arena's scratch.
func (m *Model) dropoutBackward(d []float32, site int) []float32 {
	drop := m.dropout(m.hiddenDropout, site)
	if !drop.active() {
		return d
	}
	m.applyDropout(m.a.dZ, d, drop)
	return m.a.dZ
}

// applyDropout sets dst = d(src) over the batch's N×H elements (dst may be
// src).
func (m *Model) applyDropout(dst, src []float32, d dropout) {
	m.tasks.dropout = dropoutTask{src: src, dst: dst, d: d}
	parallel.For(m.rows()*m.h, &m.tasks.dropout)
}
