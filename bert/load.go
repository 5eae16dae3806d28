package bert

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/nerkit/nerkit/checkpoint"
)

// LoadReport says what FromTensors did with a checkpoint's tensors.
type LoadReport struct {
	Loaded      []string // HF names copied from the checkpoint
	Initialized []string // HF names initialised afresh (a new classifier head)
	Ignored     []string // checkpoint names not used (pooler, position_ids, cls.*, …), as in the file
	Notes       []string // one line per decision worth telling the user
}

// FromTensors builds a model from a checkpoint's tensors. Names are accepted
// with or without the "bert." prefix (BertModel or BertFor* state dicts) and
// with the old TF-style LayerNorm gamma/beta names. The pooler, position_ids
// buffers and pre-training heads (cls.*) are ignored with a note. A missing
// encoder tensor or a wrong shape is an error. When the classifier is
// missing or its size differs from numLabels, a new head is initialised as
// HF does (weight normal(0, initializer_range) from seed, bias 0) and the
// report says so.
func FromTensors(cfg *checkpoint.Config, tensors map[string]checkpoint.Tensor, numLabels int, seed int64) (*Model, LoadReport, error) {
	var rep LoadReport
	m, err := newModel(cfg, numLabels, seed)
	if err != nil {
		return nil, rep, err
	}
	byName := make(map[string]string, len(tensors)) // canonical → name in the file
	var ignoredPooler, ignoredHeads bool
	for name := range tensors {
		canon := canonicalName(name)
		switch {
		case strings.HasPrefix(canon, "bert.pooler."):
			ignoredPooler = true
			rep.Ignored = append(rep.Ignored, name)
			continue
		case strings.HasPrefix(canon, "cls."):
			ignoredHeads = true
			rep.Ignored = append(rep.Ignored, name)
			continue
		case strings.HasSuffix(canon, "position_ids"):
			rep.Ignored = append(rep.Ignored, name)
			continue
		}
		if prev, dup := byName[canon]; dup {
			return nil, rep, fmt.Errorf("bert: checkpoint has both %q and %q for %s", prev, name, canon)
		}
		byName[canon] = name
	}
	if ignoredPooler {
		rep.Notes = append(rep.Notes, "pooler weights ignored: token classification does not use the pooler")
	}
	if ignoredHeads {
		rep.Notes = append(rep.Notes, "pre-training heads (cls.*) ignored")
	}

	used := make(map[string]bool, len(byName))
	var newHead []ParamInfo
	for _, p := range m.infos {
		src, ok := byName[p.Name]
		isHead := strings.HasPrefix(p.Name, "classifier.")
		if !ok {
			if isHead {
				newHead = append(newHead, p)
				continue
			}
			return nil, rep, fmt.Errorf("bert: checkpoint has no tensor %s", p.Name)
		}
		used[p.Name] = true
		t := tensors[src]
		if !equalShape(t.Shape, p.Shape) || len(t.Data) != p.Size {
			if isHead {
				newHead = append(newHead, p)
				rep.Notes = append(rep.Notes, fmt.Sprintf("%s has shape %v, the model needs %v for %d labels", src, t.Shape, p.Shape, numLabels))
				continue
			}
			return nil, rep, fmt.Errorf("bert: tensor %s has shape %v, config needs %v", src, t.Shape, p.Shape)
		}
		copy(m.params[p.Offset:p.Offset+p.Size], t.Data)
		rep.Loaded = append(rep.Loaded, p.Name)
	}
	if len(newHead) > 0 {
		// Re-initialise the whole head (weight and bias) together, as HF does
		// for a classifier that is missing or mismatched.
		rng := rand.New(rand.NewPCG(uint64(seed), 0xc1a551f1))
		for _, p := range m.infos {
			if !strings.HasPrefix(p.Name, "classifier.") {
				continue
			}
			m.initParam(p, rng)
			rep.Initialized = append(rep.Initialized, p.Name)
			rep.Loaded = removeString(rep.Loaded, p.Name)
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("new classification head for %d labels, initialised normal(0, %g)", numLabels, m.cfg.InitializerRange))
	}
	for canon, name := range byName {
		if !used[canon] {
			rep.Ignored = append(rep.Ignored, name)
		}
	}
	sort.Strings(rep.Ignored)
	return m, rep, nil
}

// canonicalName maps a checkpoint name to the name Layout uses.
func canonicalName(name string) string {
	if strings.HasPrefix(name, "embeddings.") || strings.HasPrefix(name, "encoder.") || strings.HasPrefix(name, "pooler.") {
		name = "bert." + name
	}
	if strings.Contains(name, "LayerNorm.") {
		name = strings.Replace(name, "LayerNorm.gamma", "LayerNorm.weight", 1)
		name = strings.Replace(name, "LayerNorm.beta", "LayerNorm.bias", 1)
	}
	return name
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func removeString(list []string, s string) []string {
	out := list[:0]
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}
