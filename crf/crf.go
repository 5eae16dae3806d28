package crf

import (
	"fmt"
	"math"

	"github.com/nerkit/nerkit/conll"
)

// Names of the CRF's tensors in model.safetensors: pytorch-crf's layout,
// under a "crf." prefix that transformers' token classifiers do not know (it
// loads the rest of the model and lists these as unused).
const (
	TransitionsName      = "crf.transitions"       // [L, L], from row label to column label
	StartTransitionsName = "crf.start_transitions" // [L]
	EndTransitionsName   = "crf.end_transitions"   // [L]
)

// ForbiddenScore is the initial score of a transition the scheme forbids:
// low enough that no emission outweighs it (logits differ by tens), finite
// so the tensor stays an ordinary one for optimisers and file formats. It is
// the value AllenNLP's and many other CRF implementations use.
const ForbiddenScore float32 = -10000

// Tensor places one named parameter tensor inside the flat vector.
type Tensor struct {
	Name   string
	Shape  []int
	Offset int
	Size   int
}

// CRF is a linear-chain conditional random field over word-level emission
// scores of L labels. A tag sequence y of n words scores
//
//	s(y) = start[y₀] + Σₜ em[t][yₜ] + Σₜ₌₁ trans[yₜ₋₁][yₜ] + end[yₙ₋₁]
//
// and has probability exp(s(y)) / Z, Z summing over all Lⁿ sequences.
//
// The parameters lie in one flat float32 vector: transitions (L×L,
// row-major, trans[i*L+j] is the score of label j right after label i),
// then start (L), then end (L). Constrained CRFs treat the transitions the
// scheme forbids as −∞ in every computation, whatever is stored there, and
// give them no gradient.
type CRF struct {
	cons        *Constraints
	constrained bool
	params      []float32
}

// NumParams is the size of the flat parameter vector of a CRF over l labels.
func NumParams(l int) int { return l*l + 2*l }

// New returns a CRF over labels with the transitions scheme allows at 0 and
// the others at ForbiddenScore (see NewConstraints for scheme). Zero is a
// fine start: the loss is convex in the CRF's own parameters, and the
// emissions break every symmetry, so no random draw (and no seed) is
// needed. constrained holds the forbidden transitions at −∞ for good.
func New(labels []string, scheme conll.Scheme, constrained bool) (*CRF, error) {
	cons, err := NewConstraints(labels, scheme)
	if err != nil {
		return nil, err
	}
	c := &CRF{cons: cons, constrained: constrained, params: make([]float32, NumParams(cons.Len()))}
	c.initForbidden()
	return c, nil
}

// initForbidden writes ForbiddenScore wherever the scheme forbids a move.
func (c *CRF) initForbidden() {
	l := c.cons.Len()
	trans, start, end := c.split(c.params)
	for i := range l {
		if !c.cons.AllowedStart(i) {
			start[i] = ForbiddenScore
		}
		if !c.cons.AllowedEnd(i) {
			end[i] = ForbiddenScore
		}
		for j := range l {
			if !c.cons.Allowed(i, j) {
				trans[i*l+j] = ForbiddenScore
			}
		}
	}
}

// split views a flat vector (parameters or gradients) as its three tensors.
func (c *CRF) split(v []float32) (trans, start, end []float32) {
	l := c.cons.Len()
	return v[: l*l : l*l], v[l*l : l*l+l : l*l+l], v[l*l+l : l*l+2*l : l*l+2*l]
}

// NumLabels is L.
func (c *CRF) NumLabels() int { return c.cons.Len() }

// Constraints are the scheme's rules for the CRF's labels.
func (c *CRF) Constraints() *Constraints { return c.cons }

// Constrained reports whether forbidden transitions are held at −∞.
func (c *CRF) Constrained() bool { return c.constrained }

// Params returns the flat parameter vector (not a copy).
func (c *CRF) Params() []float32 { return c.params }

// Transitions, StartTransitions and EndTransitions view the parameters.
func (c *CRF) Transitions() []float32 { t, _, _ := c.split(c.params); return t }

// StartTransitions views start[L].
func (c *CRF) StartTransitions() []float32 { _, s, _ := c.split(c.params); return s }

// EndTransitions views end[L].
func (c *CRF) EndTransitions() []float32 { _, _, e := c.split(c.params); return e }

// Tensors lays out the flat vector as the three named tensors, in order.
func (c *CRF) Tensors() []Tensor {
	l := c.cons.Len()
	return []Tensor{
		{Name: TransitionsName, Shape: []int{l, l}, Offset: 0, Size: l * l},
		{Name: StartTransitionsName, Shape: []int{l}, Offset: l * l, Size: l},
		{Name: EndTransitionsName, Shape: []int{l}, Offset: l*l + l, Size: l},
	}
}

// Bind copies the parameters into p (NumParams long) and keeps them there
// from then on, so the CRF can live inside a model's flat parameter vector
// that one optimiser updates.
func (c *CRF) Bind(p []float32) error {
	if len(p) != len(c.params) {
		return fmt.Errorf("crf: Bind: %d values for %d parameters", len(p), len(c.params))
	}
	copy(p, c.params)
	c.params = p
	return nil
}

// SetTensor loads one named tensor (as read from model.safetensors).
func (c *CRF) SetTensor(name string, data []float32) error {
	for _, t := range c.Tensors() {
		if t.Name != name {
			continue
		}
		if len(data) != t.Size {
			return fmt.Errorf("crf: tensor %s has %d values, want %d (%v)", name, len(data), t.Size, t.Shape)
		}
		copy(c.params[t.Offset:t.Offset+t.Size], data)
		return nil
	}
	return fmt.Errorf("crf: unknown tensor %q", name)
}

// PinForbidden writes ForbiddenScore back into the forbidden transitions
// of a constrained CRF. They get no gradient, but an optimiser's decoupled
// weight decay still shrinks them; calling this after each step keeps the
// stored tensor exactly as initialised. It does nothing when unconstrained,
// where the forbidden scores are only a starting point and are learnt.
func (c *CRF) PinForbidden() {
	if c.constrained {
		c.initForbidden()
	}
}

// scores are the effective scores one computation uses: the parameters,
// with forbidden transitions at −∞ when constrained.
type scores struct {
	l                 int
	trans, start, end []float32
}

func (c *CRF) scores() scores {
	trans, start, end := c.split(c.params)
	s := scores{l: c.cons.Len(), trans: trans, start: start, end: end}
	if !c.constrained {
		return s
	}
	s.trans, s.start, s.end = append([]float32(nil), trans...), append([]float32(nil), start...), append([]float32(nil), end...)
	inf := float32(math.Inf(-1))
	for i := range s.l {
		if !c.cons.AllowedStart(i) {
			s.start[i] = inf
		}
		if !c.cons.AllowedEnd(i) {
			s.end[i] = inf
		}
		for j := range s.l {
			if !c.cons.Allowed(i, j) {
				s.trans[i*s.l+j] = inf
			}
		}
	}
	return s
}

// mask is the Constraints Viterbi must respect: the scheme's when
// constrained, none otherwise (forbidden moves are then merely expensive).
func (c *CRF) mask() *Constraints {
	if c.constrained {
		return c.cons
	}
	return nil
}

// checkEmissions validates an n×L emission block.
func (c *CRF) checkEmissions(em []float32, n int) error {
	l := c.cons.Len()
	if n < 0 || len(em) < n*l {
		return fmt.Errorf("crf: %d emission scores for %d words of %d labels", len(em), n, l)
	}
	for k, v := range em[:n*l] {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("crf: emission of word %d, label %d is %v", k/l, k%l, v)
		}
	}
	return nil
}
