package checkpoint

import (
	"strings"
	"testing"
)

func tn(shape ...int) Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return Tensor{Shape: shape, Data: make([]float32, n)}
}

func TestMatchKeysPrefixedModel(t *testing.T) {
	expected := map[string][]int{
		"bert.embeddings.LayerNorm.weight":       {4},
		"bert.embeddings.LayerNorm.bias":         {4},
		"bert.embeddings.word_embeddings.weight": {10, 4},
		"bert.encoder.layer.0.output.dense.bias": {4},
		"classifier.weight":                      {3, 4},
		"classifier.bias":                        {3},
	}
	// A bare BertModel checkpoint in TF-era naming, with pooler and buffers.
	loaded := map[string]Tensor{
		"embeddings.LayerNorm.gamma":        tn(4),
		"embeddings.LayerNorm.beta":         tn(4),
		"embeddings.word_embeddings.weight": tn(10, 4),
		"encoder.layer.0.output.dense.bias": tn(5),
		"embeddings.position_ids":           tn(1, 512),
		"pooler.dense.weight":               tn(4, 4),
		"cls.predictions.bias":              tn(10),
		"something.else":                    tn(1),
	}
	got, r := MatchKeys(expected, loaded)
	if r.Loaded != 3 || len(got) != 3 {
		t.Errorf("loaded %d (%d tensors), want 3", r.Loaded, len(got))
	}
	if _, ok := got["bert.embeddings.LayerNorm.weight"]; !ok {
		t.Error("gamma not renamed to bert.…LayerNorm.weight")
	}
	if strings.Join(r.Missing, ",") != "classifier.bias,classifier.weight" {
		t.Errorf("missing %v", r.Missing)
	}
	if len(r.Unexpected) != 1 || r.Unexpected[0] != "something.else" {
		t.Errorf("unexpected %v", r.Unexpected)
	}
	if len(r.Mismatched) != 1 || r.Mismatched[0].Name != "bert.encoder.layer.0.output.dense.bias" || r.Mismatched[0].Got[0] != 5 {
		t.Errorf("mismatched %v", r.Mismatched)
	}
	if len(r.Ignored) != 3 {
		t.Errorf("ignored %v", r.Ignored)
	}
	if r.OK() || r.OnlyMissing("classifier.") {
		t.Error("report with a mismatch and an unexpected key claims OK")
	}
	s := r.String()
	for _, want := range []string{"missing (newly initialised) (2)", "classifier.weight", "shape mismatch", "checkpoint [5], model [4]", "something.else", "pooler", "embeddings.LayerNorm.gamma -> bert.embeddings.LayerNorm.weight"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
}

func TestMatchKeysStripsPrefix(t *testing.T) {
	expected := map[string][]int{"embeddings.LayerNorm.weight": {2}, "classifier.bias": {3}}
	loaded := map[string]Tensor{"bert.embeddings.LayerNorm.weight": tn(2), "classifier.bias": tn(3), "bert.pooler.dense.bias": tn(2)}
	got, r := MatchKeys(expected, loaded)
	if !r.OK() || len(got) != 2 || len(r.Ignored) != 1 {
		t.Errorf("report:\n%s", r)
	}
}

func TestMatchKeysCamphrExact(t *testing.T) {
	_, tensors, err := LoadDir(camphrDir)
	if err != nil {
		t.Fatal(err)
	}
	expected := map[string][]int{}
	for k, v := range tensors {
		expected[k] = v.Shape
	}
	delete(expected, "classifier.weight")
	delete(expected, "classifier.bias")
	_, r := MatchKeys(expected, tensors)
	// classifier.* is present in the checkpoint but not expected by this
	// model, and is not on the ignore list.
	if r.OK() || len(r.Unexpected) != 2 {
		t.Errorf("report:\n%s", r)
	}
	expected2 := map[string][]int{}
	for k, v := range tensors {
		expected2[k] = v.Shape
	}
	expected2["classifier.weight"] = []int{5, 16}
	_, r = MatchKeys(expected2, tensors)
	if len(r.Mismatched) != 1 || len(r.Missing) != 0 || r.Loaded != 22 {
		t.Errorf("report:\n%s", r)
	}
	delete(tensors, "classifier.weight")
	delete(tensors, "classifier.bias")
	expected2["classifier.weight"] = []int{9, 16}
	_, r = MatchKeys(expected2, tensors)
	if !r.OnlyMissing("classifier.") || r.OK() {
		t.Errorf("report:\n%s", r)
	}
}
