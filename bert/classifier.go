package bert

// The token-classification head of BertForTokenClassification:
//
//	logits = Dropout(hidden_states[L])·Wcᵀ + bc     ([T, numLabels])
//
// dropout p is config.classifier_dropout, or hidden_dropout_prob when unset.
// The GEMMs are issued from model.go; the bias add reuses biasActTask.

// classifierDropoutProb returns the dropout HF applies before the classifier.
func classifierDropoutProb(classifierDropout *float64, hiddenDropout float64) float64 {
	if classifierDropout != nil {
		return *classifierDropout
	}
	return hiddenDropout
}
