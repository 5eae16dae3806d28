package head

import (
	"fmt"

	"github.com/nerkit/nerkit/crf"
	"github.com/nerkit/nerkit/dataset"
)

// The CRF's training loss. Each window of a batch is one run of words: the
// positions of its words' first sub-tokens that carry a label, as scoring
// reads them. A window begins its sentence only when it is the first and
// ends it only when it is the last, so the CRF's start and end scores
// apply only there. The loss is the sum of the runs' negative
// log-likelihoods over the words, as cross-entropy is a mean over tokens.

// wordPositions lists the positions of ex whose logits are a word's
// emission: a word's first sub-token, labelled.
func wordPositions(ex *dataset.Example, labels []int32, dst []int) []int {
	dst = dst[:0]
	for k, w := range ex.WordIndex {
		if w < 0 || k > 0 && ex.WordIndex[k-1] == w || labels[k] == dataset.IgnoreLabel {
			continue
		}
		dst = append(dst, k)
	}
	return dst
}

func edges(ex *dataset.Example) crf.Edges {
	var e crf.Edges
	if ex.Window == 0 {
		e |= crf.SentenceStart
	}
	if ex.Window == ex.Windows-1 {
		e |= crf.SentenceEnd
	}
	return e
}

// Words counts the CRF's loss terms (words) in the examples rows.
func Words(examples []dataset.Example, rows []int) int {
	n := 0
	var pos []int
	for _, i := range rows {
		if examples[i].Labels != nil {
			pos = wordPositions(&examples[i], examples[i].Labels, pos)
			n += len(pos)
		}
	}
	return n
}

// Repairs counts the examples whose gold tags a constrained CRF cannot
// give any probability (I-X after O, say), which the loss repairs first
// (crf.Constraints.Repair); 0 for other heads.
func (h *Head) Repairs(examples []dataset.Example) int {
	if h.crf == nil || !h.crf.Constrained() {
		return 0
	}
	n := 0
	var pos []int
	for i := range examples {
		ex := &examples[i]
		if ex.Labels == nil {
			continue
		}
		pos = wordPositions(ex, ex.Labels, pos)
		gold := make([]int, len(pos))
		for t, k := range pos {
			gold[t] = int(ex.Labels[k])
		}
		if h.cons.FirstViolation(gold, edges(ex)) >= 0 {
			n++
		}
	}
	return n
}

// Loss adds a batch's CRF loss: it returns the sum of the windows'
// negative log-likelihoods and the words they cover. With dLogits
// (Size×Len×labels), the gradient of the sum times scale is written there
// (zero off the emission positions) and the CRF's parameter gradient is
// added to the model's; nil computes the loss only. examples are those the
// batch was filled from.
func (h *Head) Loss(b *dataset.Batch, examples []dataset.Example, logits, dLogits []float32, scale float32) (sum float64, words int, err error) {
	if h.crf == nil {
		return 0, 0, fmt.Errorf("head: Loss needs a CRF head")
	}
	if b.Labels == nil {
		return 0, 0, nil
	}
	l := len(h.labels)
	if dLogits != nil {
		clear(dLogits[:b.Size*b.Len*l])
	}
	var dParams []float32
	if dLogits != nil {
		dParams = h.grads
	}
	var pos []int
	for r, i := range b.Rows {
		ex := &examples[i]
		base := r * b.Len
		pos = wordPositions(ex, b.Labels[base:base+ex.Len()], pos)
		n := len(pos)
		if n == 0 {
			continue
		}
		em := make([]float32, n*l)
		gold := make([]int, n)
		for t, k := range pos {
			copy(em[t*l:(t+1)*l], logits[(base+k)*l:(base+k+1)*l])
			gold[t] = int(b.Labels[base+k])
		}
		e := edges(ex)
		if h.crf.Constrained() {
			gold = h.cons.Repair(gold, e)
		}
		gold32 := make([]int32, n)
		for t, g := range gold {
			gold32[t] = int32(g)
		}
		var dEm []float32
		if dLogits != nil {
			dEm = make([]float32, n*l)
		}
		loss, err := h.crf.NLL(em, gold32, n, e, dEm, dParams, scale)
		if err != nil {
			return 0, 0, fmt.Errorf("example %d: %w", i, err)
		}
		sum += loss
		words += n
		if dEm != nil {
			for t, k := range pos {
				copy(dLogits[(base+k)*l:(base+k+1)*l], dEm[t*l:(t+1)*l])
			}
		}
	}
	return sum, words, nil
}
