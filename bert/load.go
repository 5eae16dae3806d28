package bert

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/nerkit/nerkit/checkpoint"
)

// LoadReport says what FromTensors did with a checkpoint's tensors.
type LoadReport struct {
	// Keys is how the checkpoint's names matched the model's, in
	// transformers' terms (missing, unexpected, mismatched, ignored, renamed).
	Keys checkpoint.LoadReport
	// Initialized lists the parameters initialised afresh: the classifier
	// head when the checkpoint has none or one of another size.
	Initialized []string
	Notes       []string // one line per decision worth telling the user
}

// String renders the report for logs.
func (r LoadReport) String() string {
	var b strings.Builder
	b.WriteString(r.Keys.String())
	for _, n := range r.Notes {
		b.WriteString(n)
		b.WriteByte('\n')
	}
	return b.String()
}

// FromTensors builds a model of cfg's family from a checkpoint's tensors,
// matching names as transformers does (checkpoint.MatchKeys): with or
// without the family's prefix ("bert.", "roberta.", "distilbert.",
// "electra."; base-model or *For* state dicts), TF-era LayerNorm gamma/beta
// renamed; the pooler, position_ids buffers and pre-training heads (cls.*)
// are ignored and listed. A missing encoder tensor or a wrong shape is an
// error naming it. When the classifier is missing or its size differs from
// numLabels, a new head is initialised as HF does (weight
// normal(0, initializer_range) from seed, bias 0) and the report says so.
func FromTensors(cfg *checkpoint.Config, tensors map[string]checkpoint.Tensor, numLabels int, seed int64) (*Model, LoadReport, error) {
	var rep LoadReport
	m, err := newModel(cfg, numLabels, seed)
	if err != nil {
		return nil, rep, err
	}
	expected := make(map[string][]int, len(m.infos))
	for _, p := range m.infos {
		expected[p.Name] = p.Shape
	}
	matched, keys := checkpoint.MatchKeys(expected, tensors)
	rep.Keys = *keys

	isHead := func(name string) bool { return strings.HasPrefix(name, "classifier.") }
	for _, mm := range keys.Mismatched {
		if !isHead(mm.Name) {
			return nil, rep, fmt.Errorf("bert: tensor %s has shape %v, config needs %v", mm.Name, mm.Got, mm.Expected)
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("checkpoint's %s has shape %v; %d labels need %v", mm.Name, mm.Got, numLabels, mm.Expected))
	}
	var missing []string
	for _, name := range keys.Missing {
		if !isHead(name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, rep, fmt.Errorf("bert: checkpoint lacks %d tensors: %s", len(missing), strings.Join(missing, ", "))
	}

	newHead := false
	for _, p := range m.infos {
		t, ok := matched[p.Name]
		if !ok {
			newHead = newHead || isHead(p.Name)
			continue
		}
		copy(m.params[p.Offset:p.Offset+p.Size], t.Data)
	}
	if newHead {
		// Weight and bias are replaced together, as HF does for a head that
		// is missing or mismatched.
		rng := rand.New(rand.NewPCG(uint64(seed), 0xc1a551f1))
		for _, p := range m.infos {
			if isHead(p.Name) {
				m.initParam(p, rng)
				rep.Initialized = append(rep.Initialized, p.Name)
			}
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("new classification head for %d labels, initialised normal(0, %g)", numLabels, m.initStd()))
	}
	return m, rep, nil
}
