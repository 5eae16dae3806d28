package bert

import "fmt"

// The backward pass runs the forward's stages in reverse, each taking the
// gradient of its output and leaving that of its input in the arena's dX
// (dY between a layer's two halves), and adding its parameters' gradients:
//
//	dLogits → classifier → [feed-forward → attention] × L → embeddings

// Backward implements Engine.
func (m *Model) Backward(lossTokens int) error {
	if !m.ready {
		return fmt.Errorf("bert: Backward needs a preceding training Forward with labels")
	}
	m.ready = false
	if m.labelled == 0 {
		return nil // no loss term, no gradient
	}
	if lossTokens <= 0 {
		lossTokens = m.labelled
	}
	m.crossEntropyBackward(lossTokens)
	m.backwardFromLogits()
	return nil
}

// backwardFromLogits runs the stages below the loss, from the arena's
// dLogits.
func (m *Model) backwardFromLogits() {
	m.classifierBackward()
	for l := m.layers - 1; l >= 0; l-- {
		m.feedForwardBackward(l)
		m.attentionBackward(l)
	}
	m.embeddingsBackward()
	m.markTouchedRows()
}
