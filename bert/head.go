package bert

import (
	"fmt"
	"slices"

	"github.com/nerkit/nerkit/optim"
)

// A head on top of the classifier (a CRF over its logits) may bring
// parameters of its own. They join the model's flat vector after the
// classifier, so one AdamW, one gradient clip, one checkpoint and one
// model.safetensors cover them, under the head's own tensor names; and a
// loss computed outside the model hands its gradient back through
// BackwardFrom.

// HeadTensor is one parameter tensor a head adds.
type HeadTensor struct {
	Name  string
	Shape []int
}

// AddHeadTensors appends tensors to the parameter and gradient vectors,
// zero, and returns views of the new parameters and of their gradients,
// in the order given. It must come before the optimizer's first use. Head
// tensors are scores like biases and get no weight decay.
func (m *Model) AddHeadTensors(ts []HeadTensor) (params, grads []float32, err error) {
	switch {
	case m.inferenceOnly:
		return nil, nil, fmt.Errorf("bert: AddHeadTensors on an InferenceCopy")
	case m.opt != nil:
		return nil, nil, fmt.Errorf("bert: AddHeadTensors after the optimizer has started")
	}
	start := len(m.params)
	off := start
	for _, t := range ts {
		if slices.ContainsFunc(m.infos, func(p ParamInfo) bool { return p.Name == t.Name }) {
			return nil, nil, fmt.Errorf("bert: tensor %s already exists", t.Name)
		}
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		m.infos = append(m.infos, ParamInfo{Name: t.Name, Shape: slices.Clone(t.Shape), Offset: off, Size: n})
		off += n
	}
	// The head's gradients are returned with its parameters, so the
	// model's gradients exist from here on (a CRF model that only infers
	// holds them too).
	m.ensureGrads()
	m.params = append(m.params, make([]float32, off-start)...)
	m.grads = append(m.grads, make([]float32, off-start)...)
	m.w = viewWeights(m.params, m.infos, m.layers, m.shape)
	m.g = viewWeights(m.grads, m.infos, m.layers, m.shape)
	m.headSize += off - start
	return m.params[start:off:off], m.grads[start:off:off], nil
}

// decays reports whether the parameter gets weight decay: HF Trainer's
// rule, and never a head tensor.
func (m *Model) decays(p ParamInfo) bool {
	return p.Offset < len(m.params)-m.headSize && optim.HFDecays(p.Name)
}

// BackwardFrom is Backward for a loss computed outside the model from the
// last training Forward's logits: dLogits (Size×Len×NumLabels, already
// scaled) replaces the cross-entropy's gradient.
func (m *Model) BackwardFrom(dLogits []float32) error {
	if !m.ready {
		return fmt.Errorf("bert: BackwardFrom needs a preceding training Forward with labels")
	}
	if n := m.rows() * m.numLabels; len(dLogits) != n {
		return fmt.Errorf("bert: BackwardFrom: %d logit gradients, want %d", len(dLogits), n)
	}
	m.ready = false
	copy(m.a.dLogits, dLogits)
	m.backwardFromLogits()
	return nil
}
