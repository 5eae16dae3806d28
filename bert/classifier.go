package bert

// The token-classification head of BertForTokenClassification:
//
//	logits = Dropout(hidden_states[L])·Wcᵀ + bc     ([T, numLabels])
//
// dropout p is config.classifier_dropout, or hidden_dropout_prob when unset.

// classifierDropoutProb returns the dropout HF applies before the classifier.
func classifierDropoutProb(classifierDropout *float64, hiddenDropout float64) float64 {
	if classifierDropout != nil {
		return *classifierDropout
	}
	return hiddenDropout
}

// classifierForward computes the logits from hidden_states[L]; in training
// the dropped-out input is kept for the backward pass.
func (m *Model) classifierForward() {
	a := &m.a
	x := a.hiddenState(m.layers)
	if d := m.dropout(m.classifierDropout, m.siteClassifier()); d.active() {
		m.applyDropout(a.classifierIn, x, d)
		x = a.classifierIn
	}
	m.linear(a.logits, x, m.w.classifier)
}

// classifierBackward takes dLogits and leaves ∂loss/∂hidden_states[L] in
// dX, adding the classifier's gradients.
func (m *Model) classifierBackward() {
	a := &m.a
	x := a.hiddenState(m.layers)
	drop := m.dropout(m.classifierDropout, m.siteClassifier())
	if drop.active() {
		x = a.classifierIn
	}
	m.linearBackward(a.dX, a.dLogits, x, m.w.classifier, m.g.classifier)
	if drop.active() {
		m.applyDropout(a.dX, a.dX, drop)
	}
}
