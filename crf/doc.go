// Package crf is a linear-chain CRF over word-level emission scores, and
// constrained decoding, the two remedies for the tag sequences a softmax
// head emits word by word and no scheme allows (I-ORG after O, B-PER I-LOC).
//
// # CRF head
//
// A CRF scores a whole tag sequence: the words' emission scores (the
// classifier's logits at each word's first sub-token, the position scoring
// reads) plus a learnt score for every pair of neighbouring labels and for
// the first and the last label. Its parameters are pytorch-crf's:
// transitions [L, L] from row to column label, start [L], end [L], saved as
// crf.transitions, crf.start_transitions and crf.end_transitions. Training
// minimises the exact negative log-likelihood (CRF.NLL, CRF.BatchNLL),
// whose gradient flows into the emissions and so into the classifier.
// Tagging takes the Viterbi path (CRF.Viterbi); forward–backward gives each
// word's marginal and each entity's exact probability (CRF.Marginals,
// Marginals.EntityProbability), which serve as scores.
//
// Transitions the tagging scheme forbids start at ForbiddenScore. A
// constrained CRF holds them at −∞ for good: they get no gradient, Viterbi
// never takes them, and the model gives invalid sequences probability 0.
//
// # Constrained decoding
//
// DecodeConstrained needs no CRF and no training: it is the Viterbi of a
// CRF whose transitions are 0 where the scheme allows them and −∞ where it
// does not, over a softmax head's word-level log-probabilities, so the
// best-scoring valid sequence wins. It lives here because it is that very
// Viterbi, with the same Constraints; keeping one implementation means one
// set of tests for both.
//
// # Numerics
//
// Parameters, emissions, gradients and the stored lattices are float32, as
// in the rest of the engine; sums of exponentials and path scores are
// accumulated in float64, as the engine's cross-entropy does. Forward and
// backward rows are stored shifted by their maximum, the shift carried in
// float64, so long sentences lose no precision (see lattice). Nothing runs
// concurrently: a sentence costs microseconds, and the result does not
// depend on the thread count.
package crf
