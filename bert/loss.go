package bert

import (
	"math"

	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/parallel"
)

// Token-level cross-entropy, as torch.nn.CrossEntropyLoss(ignore_index=-100)
// on logits.view(-1, numLabels):
//
//	loss = (1/n) Σ_{labelled t} (logsumexp(logits_t) − logits_t[label_t])
//
// where n counts the labels ≠ -100. Backward: dlogits_t = (softmax_t −
// onehot(label_t))·scale on labelled rows and 0 elsewhere, with scale = 1/n
// for the plain mean (see Model.Backward for accumulation).

// crossEntropyForward returns the mean loss over the batch's labelled
// tokens, keeping the softmax for the backward pass.
func (m *Model) crossEntropyForward() float32 {
	a, n := &m.a, m.rows()
	m.tasks.crossEntropy = crossEntropyTask{logits: a.logits, probs: a.probs, labels: a.labels, rowLoss: a.rowLoss, c: m.numLabels}
	parallel.For(n, &m.tasks.crossEntropy)
	var s float64
	for _, v := range a.rowLoss[:n] {
		s += v
	}
	return float32(s / float64(m.labelled))
}

// crossEntropyBackward sets dLogits for the loss summed over the tokens and
// divided by lossTokens.
func (m *Model) crossEntropyBackward(lossTokens int) {
	a := &m.a
	m.tasks.crossEntropyBackward = crossEntropyBackwardTask{probs: a.probs, dLogits: a.dLogits, labels: a.labels, scale: float32(1 / float64(lossTokens)), c: m.numLabels}
	parallel.For(m.rows(), &m.tasks.crossEntropyBackward)
}

// crossEntropyTask computes, per row, the softmax (kept for backward) and the
// row's loss term (0 on ignored rows).
type crossEntropyTask struct {
	logits, probs []float32 // N×C
	labels        []int32   // N
	rowLoss       []float64 // N
	c             int
}

func (t *crossEntropyTask) Run(lo, hi int) {
	c := t.c
	for r := lo; r < hi; r++ {
		t.rowLoss[r] = 0
		if t.labels[r] == dataset.IgnoreLabel {
			continue
		}
		l := t.logits[r*c : (r+1)*c]
		p := t.probs[r*c : (r+1)*c]
		m := l[0]
		for _, v := range l[1:] {
			if v > m {
				m = v
			}
		}
		var s float64
		for i, v := range l {
			e := math.Exp(float64(v - m))
			p[i] = float32(e)
			s += e
		}
		for i := range p {
			p[i] = float32(float64(p[i]) / s)
		}
		t.rowLoss[r] = math.Log(s) + float64(m) - float64(l[t.labels[r]])
	}
}

// crossEntropyBackwardTask writes dlogits for rows [lo, hi).
type crossEntropyBackwardTask struct {
	probs, dLogits []float32
	labels         []int32
	scale          float32
	c              int
}

func (t *crossEntropyBackwardTask) Run(lo, hi int) {
	c := t.c
	for r := lo; r < hi; r++ {
		d := t.dLogits[r*c : (r+1)*c]
		if t.labels[r] == dataset.IgnoreLabel {
			clear(d)
			continue
		}
		p := t.probs[r*c : (r+1)*c]
		for i := range d {
			d[i] = p[i] * t.scale
		}
		d[t.labels[r]] -= t.scale
	}
}
