// Package head is how the classifier's scores become word tags, and (for a
// CRF) a training loss: the softmax head tags each word with its argmax or,
// with constrained decoding, with the best sequence the tagging scheme
// allows (crf.DecodeConstrainedProbs); the CRF head takes the Viterbi path
// of a linear-chain CRF over the words' first-sub-token scores and scores
// each entity with its exact probability under the CRF.
//
// Decoding reads word-level label distributions (softmax of the logits).
// For the CRF the emission of a word is the log of that distribution,
// which is its logits minus one constant per word: the constant cancels in
// every path score comparison and in the normalisation, so Viterbi and the
// marginals are those of the logits themselves (only a probability that
// rounded to 0 in float32 is clamped, at about −103).
package head

import (
	"fmt"
	"math"
	"strings"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/crf"
)

// Kind is the head over the classifier.
type Kind string

// The heads.
const (
	Softmax Kind = "softmax"
	CRF     Kind = "crf"
)

// ParseKind reads --head; empty means softmax.
func ParseKind(s string) (Kind, error) {
	switch Kind(strings.ToLower(s)) {
	case "", Softmax:
		return Softmax, nil
	case CRF:
		return CRF, nil
	}
	return "", fmt.Errorf("unknown head %q (want softmax or crf)", s)
}

// Decode is how a softmax head's word distributions become tags.
type Decode string

// The decodings.
const (
	Argmax      Decode = "argmax"
	Constrained Decode = "constrained"
)

// ParseDecode reads --decode; empty means the model's own (Default).
func ParseDecode(s string) (Decode, error) {
	switch Decode(strings.ToLower(s)) {
	case "":
		return "", nil
	case Argmax, Constrained:
		return Decode(strings.ToLower(s)), nil
	}
	return "", fmt.Errorf("unknown decoding %q (want argmax or constrained)", s)
}

// Head decodes (and, for a CRF, trains) over one label set.
type Head struct {
	kind   Kind
	decode Decode
	labels []string
	cons   *crf.Constraints
	crf    *crf.CRF  // nil for softmax
	grads  []float32 // the CRF's gradient inside the model's vector, once attached
	inside int       // the outside label's id, -1 when none
}

// New builds a head for labels (IOB2, IOB1, BIOES or BILOU tags, detected).
// decode applies to a softmax head ("" is argmax); a CRF always decodes
// with Viterbi, constrained holding its forbidden transitions at −∞.
func New(labels []string, kind Kind, constrained bool, decode Decode) (*Head, error) {
	h := &Head{kind: kind, decode: decode, labels: append([]string(nil), labels...), inside: -1}
	if h.decode == "" {
		h.decode = Argmax
	}
	for i, l := range labels {
		if l == "O" {
			h.inside = i
		}
	}
	var err error
	if h.cons, err = crf.NewConstraints(labels, conll.Auto); err != nil {
		return nil, err
	}
	if kind == CRF {
		if h.crf, err = crf.New(labels, conll.Auto, constrained); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// FromConfig builds the head a saved model's config.json names; decode
// overrides the saved decoding unless empty.
func FromConfig(cfg *checkpoint.Config, labels []string, decode Decode) (*Head, error) {
	kind, err := ParseKind(cfg.NerkitHead)
	if err != nil {
		return nil, fmt.Errorf("config.json nerkit_head: %w", err)
	}
	if decode == "" {
		if decode, err = ParseDecode(cfg.NerkitDecode); err != nil {
			return nil, fmt.Errorf("config.json nerkit_decode: %w", err)
		}
	}
	return New(labels, kind, cfg.NerkitCRFConstrained, decode)
}

// Kind is the head's kind.
func (h *Head) Kind() Kind { return h.kind }

// Decoding is how tags are chosen: argmax, constrained, or "viterbi" for a
// CRF.
func (h *Head) Decoding() string {
	if h.crf != nil {
		return "viterbi"
	}
	return string(h.decode)
}

// CRF is the CRF of a CRF head, nil otherwise.
func (h *Head) CRF() *crf.CRF { return h.crf }

// Constraints are the label transitions the labels' scheme allows.
func (h *Head) Constraints() *crf.Constraints { return h.cons }

// WithDecode returns the head decoding with d instead ("" keeps it); the
// CRF, if any, is shared.
func (h *Head) WithDecode(d Decode) *Head {
	if d == "" || d == h.decode {
		return h
	}
	c := *h
	c.decode = d
	return &c
}

// SaveConfig records the head in the model's config.json keys.
func (h *Head) SaveConfig(cfg *checkpoint.Config) {
	cfg.NerkitHead, cfg.NerkitCRFConstrained, cfg.NerkitDecode = "", false, ""
	if h.crf != nil {
		cfg.NerkitHead, cfg.NerkitCRFConstrained = string(CRF), h.crf.Constrained()
		return
	}
	if h.decode != Argmax {
		cfg.NerkitDecode = string(h.decode)
	}
}

// Attach puts a CRF head's parameters into the model's parameter vector
// (after the classifier, as crf.transitions, crf.start_transitions,
// crf.end_transitions), so the model's optimizer trains them and its
// tensors save them. A softmax head has nothing to attach.
func (h *Head) Attach(m *bert.Model) error {
	if h.crf == nil {
		return nil
	}
	ts := h.crf.Tensors()
	specs := make([]bert.HeadTensor, len(ts))
	for i, t := range ts {
		specs[i] = bert.HeadTensor{Name: t.Name, Shape: t.Shape}
	}
	params, grads, err := m.AddHeadTensors(specs)
	if err != nil {
		return err
	}
	if err := h.crf.Bind(params); err != nil {
		return err
	}
	h.grads = grads
	return nil
}

// LoadTensors copies a CRF's saved tensors from a checkpoint. With
// required, a missing one is an error (a model saved with a CRF head);
// otherwise the CRF keeps its initial values when the checkpoint has none.
func (h *Head) LoadTensors(tensors map[string]checkpoint.Tensor, required bool) error {
	if h.crf == nil {
		return nil
	}
	for _, t := range h.crf.Tensors() {
		src, ok := tensors[t.Name]
		if !ok {
			if required {
				return fmt.Errorf("the CRF head's tensor %s is missing", t.Name)
			}
			continue
		}
		if err := h.crf.SetTensor(t.Name, src.Data); err != nil {
			return err
		}
	}
	if !required {
		h.crf.PinForbidden()
	}
	return nil
}

// AfterStep keeps a constrained CRF's forbidden transitions exactly as
// initialised after an optimizer step.
func (h *Head) AfterStep() {
	if h.crf != nil {
		h.crf.PinForbidden()
	}
}

// Sentence is one sentence decoded.
type Sentence struct {
	Tags     []int     // per word: label id
	Conf     []float32 // per word: the confidence of its tag (0 when !HasScore)
	HasScore []bool    // false for a word without a distribution
	marg     *crf.Marginals
	pos      []int // per word: its row in marg, -1 when it has none
}

// DecodeSentence tags one sentence from its word-level distributions (one
// row per word; nil for a word without sub-tokens, tagged O without a
// score). A word's confidence is its softmax probability, for a CRF its
// marginal P(yₜ = tag).
func (h *Head) DecodeSentence(probs [][]float32) Sentence {
	n := len(probs)
	s := Sentence{Tags: make([]int, n), Conf: make([]float32, n), HasScore: make([]bool, n)}
	for w := range s.Tags {
		s.Tags[w] = max(h.inside, 0)
	}
	switch {
	case h.crf != nil:
		h.decodeCRF(probs, &s)
		return s
	case h.decode == Constrained:
		copy(s.Tags, crf.DecodeConstrainedProbs(probs, h.cons))
	default:
		for w, row := range probs {
			if row != nil {
				s.Tags[w] = argmax(row)
			}
		}
	}
	for w, row := range probs {
		if row != nil {
			s.Conf[w], s.HasScore[w] = row[s.Tags[w]], true
		}
	}
	return s
}

// decodeCRF runs Viterbi and forward–backward over the words that have a
// distribution: the words the CRF was trained on (a word without
// sub-tokens has no emission, in training as here).
func (h *Head) decodeCRF(probs [][]float32, s *Sentence) {
	l := len(h.labels)
	s.pos = make([]int, len(probs))
	em := make([]float32, 0, len(probs)*l)
	rows := 0
	for w, row := range probs {
		s.pos[w] = -1
		if row == nil {
			continue
		}
		s.pos[w] = rows
		rows++
		for _, p := range row[:l] {
			em = append(em, max(float32(math.Log(float64(p))), minLogProb))
		}
	}
	if rows == 0 {
		return
	}
	tags, marg, err := h.crf.Decode(em, rows)
	if err != nil {
		panic(err) // the emissions are sized here and finite
	}
	s.marg = marg
	for w, r := range s.pos {
		if r >= 0 {
			s.Tags[w], s.Conf[w], s.HasScore[w] = tags[r], marg.At(r, tags[r]), true
		}
	}
}

// minLogProb is log of the smallest positive float32, for probabilities
// that rounded to 0.
var minLogProb = float32(math.Log(math.SmallestNonzeroFloat32))

// EntityScore is the score of the entity over words [start, start+len(tags)):
// for a CRF its exact probability (crf.Marginals.EntityProbability: the
// span has these tags and exactly these boundaries); ok is false for
// other heads, which keep the mean of the words' scores.
func (s *Sentence) EntityScore(start int, tags []int) (score float32, ok bool) {
	if s.marg == nil || start+len(tags) > len(s.pos) {
		return 0, false
	}
	first := s.pos[start]
	for i := range tags {
		if s.pos[start+i] != first+i || first < 0 {
			return 0, false // a word without an emission inside the entity
		}
	}
	return float32(s.marg.EntityProbability(first, tags)), true
}

func argmax(p []float32) int {
	best := 0
	for j := range p {
		if p[j] > p[best] {
			best = j
		}
	}
	return best
}
