package checkpoint

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// BasePrefix is BertPreTrainedModel.base_model_prefix: encoder weights are
// "bert.…" inside task models and unprefixed in a bare BertModel.
const BasePrefix = "bert."

// ShapeMismatch is a key present on both sides with different shapes.
type ShapeMismatch struct {
	Name     string
	Expected []int
	Got      []int
}

// IgnoredKey is a checkpoint key that is deliberately not loaded.
type IgnoredKey struct {
	Name   string // as in the checkpoint
	Reason string
}

// Rename records a checkpoint key that was loaded under another name.
type Rename struct{ From, To string }

// LoadReport says how a checkpoint's keys matched the model's parameters,
// in the terms transformers uses when it loads a model. Names in Missing and
// Mismatched are the model's; names in Unexpected and Ignored are the
// checkpoint's (after gamma/beta renaming).
type LoadReport struct {
	Missing    []string // model parameters with no checkpoint tensor
	Unexpected []string // checkpoint tensors the model has no use for
	Mismatched []ShapeMismatch
	Ignored    []IgnoredKey // known-harmless extras (pooler, MLM/NSP heads, buffers)
	Renamed    []Rename     // legacy names and prefix changes applied
	Loaded     int
}

// OK reports whether every parameter was found with the right shape and
// nothing unexplained was left over.
func (r *LoadReport) OK() bool {
	return len(r.Missing) == 0 && len(r.Unexpected) == 0 && len(r.Mismatched) == 0
}

// OnlyMissing reports whether the sole problem is missing parameters that
// all start with one of prefixes — the normal case when a pretrained encoder
// is loaded for fine-tuning and the "classifier." head is newly initialised.
func (r *LoadReport) OnlyMissing(prefixes ...string) bool {
	if len(r.Unexpected) != 0 || len(r.Mismatched) != 0 {
		return false
	}
	for _, m := range r.Missing {
		ok := false
		for _, p := range prefixes {
			ok = ok || strings.HasPrefix(m, p)
		}
		if !ok {
			return false
		}
	}
	return true
}

// String renders the report like transformers' loading warnings.
func (r *LoadReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loaded %d tensors", r.Loaded)
	if r.OK() {
		b.WriteString("; all model parameters matched")
	}
	b.WriteByte('\n')
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s (%d):\n", title, len(items))
		for _, it := range items {
			fmt.Fprintf(&b, "  %s\n", it)
		}
	}
	list("missing (newly initialised)", r.Missing)
	list("unexpected (not used)", r.Unexpected)
	var mm []string
	for _, m := range r.Mismatched {
		mm = append(mm, fmt.Sprintf("%s: checkpoint %v, model %v", m.Name, m.Got, m.Expected))
	}
	list("shape mismatch", mm)
	var ig []string
	for _, i := range r.Ignored {
		ig = append(ig, fmt.Sprintf("%s (%s)", i.Name, i.Reason))
	}
	list("ignored", ig)
	var rn []string
	for _, x := range r.Renamed {
		rn = append(rn, x.From+" -> "+x.To)
	}
	list("renamed", rn)
	return b.String()
}

// legacyName applies transformers' rename of TF-era LayerNorm parameters.
func legacyName(k string) string {
	switch {
	case strings.HasSuffix(k, "LayerNorm.gamma"):
		return strings.TrimSuffix(k, "gamma") + "weight"
	case strings.HasSuffix(k, "LayerNorm.beta"):
		return strings.TrimSuffix(k, "beta") + "bias"
	}
	return k
}

// ignoreReason says why an unmatched checkpoint key is harmless, or "".
func ignoreReason(k, prefix string) string {
	bare := strings.TrimPrefix(k, prefix)
	switch {
	case strings.HasSuffix(k, "position_ids") || strings.HasSuffix(k, "token_type_ids"):
		return "buffer, recomputed by the model"
	case strings.HasPrefix(bare, "pooler."):
		return "pooler, unused by token classification"
	case strings.HasPrefix(k, "cls.") || strings.HasPrefix(k, "lm_head.") ||
		strings.HasPrefix(k, "vocab_transform.") || strings.HasPrefix(k, "vocab_layer_norm.") || strings.HasPrefix(k, "vocab_projector."):
		return "pre-training head (MLM/NSP), unused by token classification"
	case strings.HasPrefix(k, "discriminator_predictions.") || strings.HasPrefix(k, "generator_"):
		return "ELECTRA pre-training head, unused by token classification"
	}
	return ""
}

// basePrefix is the family prefix ("bert.", "roberta.", …) the expected
// names carry, or BasePrefix when none does (a bare encoder).
func basePrefix(expected map[string][]int) string {
	for k := range expected {
		for _, p := range familyPrefixes() {
			if strings.HasPrefix(k, p) {
				return p
			}
		}
	}
	return BasePrefix
}

// MatchKeys matches checkpoint tensors to the model's expected parameter
// names and shapes the way transformers does: legacy LayerNorm gamma/beta
// names are renamed, and the family's base-model prefix ("bert.",
// "roberta.", "distilbert.", "electra.") is added or stripped when the
// checkpoint and the model disagree about it. It returns the tensors that
// matched in name and shape, keyed by the model's names, and the report.
func MatchKeys(expected map[string][]int, loaded map[string]Tensor) (map[string]Tensor, *LoadReport) {
	r := &LoadReport{}
	prefix := basePrefix(expected)
	expectsPrefix, hasPrefix := false, false
	for k := range expected {
		expectsPrefix = expectsPrefix || strings.HasPrefix(k, prefix)
	}
	for k := range loaded {
		hasPrefix = hasPrefix || strings.HasPrefix(legacyName(k), prefix)
	}

	names := make([]string, 0, len(loaded))
	for k := range loaded {
		names = append(names, k)
	}
	sort.Strings(names)

	out := make(map[string]Tensor, len(expected))
	for _, orig := range names {
		k := legacyName(orig)
		target := k
		if _, ok := expected[k]; !ok {
			switch {
			case expectsPrefix && !hasPrefix:
				if _, ok := expected[prefix+k]; ok {
					target = prefix + k
				}
			case hasPrefix && !expectsPrefix && strings.HasPrefix(k, prefix):
				if _, ok := expected[strings.TrimPrefix(k, prefix)]; ok {
					target = strings.TrimPrefix(k, prefix)
				}
			}
		}
		want, ok := expected[target]
		if !ok {
			if why := ignoreReason(k, prefix); why != "" {
				r.Ignored = append(r.Ignored, IgnoredKey{Name: orig, Reason: why})
			} else {
				r.Unexpected = append(r.Unexpected, orig)
			}
			continue
		}
		if _, dup := out[target]; dup {
			// Two checkpoint names map to one parameter (e.g. both gamma
			// and weight present): keep the first, report the second.
			r.Unexpected = append(r.Unexpected, orig)
			continue
		}
		t := loaded[orig]
		if !slices.Equal(t.Shape, want) {
			r.Mismatched = append(r.Mismatched, ShapeMismatch{Name: target, Expected: want, Got: t.Shape})
			out[target] = Tensor{} // claimed, so it is not also reported missing
			continue
		}
		if target != orig {
			r.Renamed = append(r.Renamed, Rename{From: orig, To: target})
		}
		out[target] = t
		r.Loaded++
	}
	for k := range expected {
		if _, ok := out[k]; !ok {
			r.Missing = append(r.Missing, k)
		}
	}
	for _, m := range r.Mismatched {
		delete(out, m.Name)
	}
	sort.Strings(r.Missing)
	return out, r
}
