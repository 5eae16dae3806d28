package bert

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/dataset"
)

// TestCamphrLogits runs a real HF checkpoint stored as pytorch_model.bin
// (1 layer, 1 head, 402 embedding rows) in eval mode against the logits
// transformers computed (float64). Tolerance as the forward goldens.
func TestCamphrLogits(t *testing.T) {
	dir := "../testdata/data/tiny-bert-camphr"
	var cfg checkpoint.Config
	readJSON(t, filepath.Join(dir, "config.json"), &cfg)
	tensors, err := checkpoint.ReadTorchBin(filepath.Join(dir, "pytorch_model.bin"))
	if err != nil {
		t.Fatal(err)
	}
	m, rep, err := FromTensors(&cfg, tensors, len(cfg.ID2Label), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Initialized) != 0 || !rep.Keys.OK() {
		t.Fatalf("camphr checkpoint not fully loaded:\n%s", rep)
	}
	t.Logf("load report:\n%s", rep)
	var g struct {
		InputIDs      [][]int       `json:"input_ids"`
		AttentionMask [][]int       `json:"attention_mask"`
		TokenTypeIDs  [][]int       `json:"token_type_ids"`
		Logits        [][][]float64 `json:"logits"`
	}
	readJSON(t, "../testdata/goldens/camphr_logits_golden.json", &g)
	b := makeBatch(g.InputIDs, g.AttentionMask, g.TokenTypeIDs, nil)
	if _, err := m.Forward(b, false); err != nil {
		t.Fatal(err)
	}
	var want []float64
	for _, row := range g.Logits {
		for _, tok := range row {
			want = append(want, tok...)
		}
	}
	if len(want) != len(m.Logits()) {
		t.Fatalf("%d logits, golden %d", len(m.Logits()), len(want))
	}
	if e := relErr(m.Logits(), want); e > tolForward {
		t.Errorf("logits relative error %.3g > %g", e, tolForward)
	} else {
		t.Logf("logits relative error %.3g", e)
	}
}

// TestEvalMatchesTrain: with dropout 0 the inference path (which reuses one
// set of layer buffers) gives the same logits as the training path, and a
// smaller batch after a larger one reuses the arena correctly.
func TestEvalMatchesTrain(t *testing.T) {
	m := loadTiny(t)
	b := run20Batch(t, 1)
	evalLoss, err := m.Forward(b, false)
	if err != nil {
		t.Fatal(err)
	}
	evalLogits := append([]float32(nil), m.Logits()...)
	trainLoss, err := m.Forward(b, true)
	if err != nil {
		t.Fatal(err)
	}
	if evalLoss != trainLoss {
		t.Errorf("eval loss %v, train loss %v", evalLoss, trainLoss)
	}
	for i, v := range m.Logits() {
		if v != evalLogits[i] {
			t.Fatalf("logit %d: eval %v, train %v", i, evalLogits[i], v)
		}
	}
	small := sliceBatch(b, 1, 2)
	if _, err := m.Forward(small, false); err != nil {
		t.Fatal(err)
	}
	T, C := b.Len, m.numLabels
	for i, v := range m.Logits() {
		if v != evalLogits[T*C+i] {
			t.Fatalf("single-row logit %d: %v, in batch %v", i, v, evalLogits[T*C+i])
		}
	}
}

func TestFromTensorsNames(t *testing.T) {
	cfg := tinyConfig(t)
	orig, err := checkpoint.ReadSafetensors(filepath.Join(tinyDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	ref := loadTiny(t)

	// A BertModel state dict: no "bert." prefix, TF-style LayerNorm names,
	// a pooler and a position_ids buffer, no classifier.
	bare := map[string]checkpoint.Tensor{
		"pooler.dense.weight":     {Shape: []int{32, 32}, Data: make([]float32, 32*32)},
		"embeddings.position_ids": {Shape: []int{1, 64}, Data: make([]float32, 64)},
	}
	for name, tensor := range orig {
		if strings.HasPrefix(name, "classifier.") {
			continue
		}
		name = strings.TrimPrefix(name, "bert.")
		name = strings.Replace(name, "embeddings.LayerNorm.weight", "embeddings.LayerNorm.gamma", 1)
		bare[name] = tensor
	}
	m, rep, err := FromTensors(cfg, bare, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Initialized) != 2 || len(rep.Keys.Ignored) != 2 || len(rep.Keys.Renamed) == 0 {
		t.Errorf("report %+v: want the classifier initialised and pooler/position_ids ignored", rep)
	}
	for _, p := range m.infos {
		if strings.HasPrefix(p.Name, "classifier.") {
			continue
		}
		q := ref.infos[indexOf(ref.infos, p.Name)]
		if relErr32(m.params[p.Offset:p.Offset+p.Size], ref.params[q.Offset:q.Offset+q.Size]) != 0 {
			t.Errorf("%s not loaded", p.Name)
		}
	}
	w, bias := m.w.classifier.weight, m.w.classifier.bias
	if len(w) != 5*32 || norm(bias) != 0 {
		t.Errorf("new head: %d weights, bias norm %v", len(w), norm(bias))
	}
	if std := norm(w) / math.Sqrt(float64(len(w))); std < 0.01 || std > 0.03 {
		t.Errorf("new head std %v, want ≈ 0.02", std)
	}

	// A classifier for another label count is replaced, with a note.
	_, rep, err = FromTensors(cfg, orig, 3, 1)
	if err != nil || len(rep.Initialized) != 2 || len(rep.Notes) == 0 {
		t.Errorf("mismatched head: err %v, report %+v", err, rep)
	}

	// A wrong encoder shape or a missing tensor is an error naming it.
	broken := map[string]checkpoint.Tensor{}
	for k, v := range orig {
		broken[k] = v
	}
	broken["bert.encoder.layer.1.output.dense.bias"] = checkpoint.Tensor{Shape: []int{31}, Data: make([]float32, 31)}
	if _, _, err := FromTensors(cfg, broken, 9, 1); err == nil || !strings.Contains(err.Error(), "output.dense.bias") {
		t.Errorf("wrong shape: err %v", err)
	}
	delete(broken, "bert.encoder.layer.1.output.dense.bias")
	if _, _, err := FromTensors(cfg, broken, 9, 1); err == nil || !strings.Contains(err.Error(), "output.dense.bias") {
		t.Errorf("missing tensor: err %v", err)
	}
}

func indexOf(infos []ParamInfo, name string) int {
	for i, p := range infos {
		if p.Name == name {
			return i
		}
	}
	return -1
}

func TestNewInit(t *testing.T) {
	cfg := tinyConfig(t)
	m, err := New(cfg, 9, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.infos {
		x := m.params[p.Offset : p.Offset+p.Size]
		switch {
		case strings.HasSuffix(p.Name, "LayerNorm.weight"):
			for _, v := range x {
				if v != 1 {
					t.Fatalf("%s not ones", p.Name)
				}
			}
		case strings.HasSuffix(p.Name, "bias"):
			if norm(x) != 0 {
				t.Fatalf("%s not zero", p.Name)
			}
		default:
			if std := norm(x) / math.Sqrt(float64(len(x))); std < 0.015 || std > 0.025 {
				t.Errorf("%s: std %v, want ≈ 0.02", p.Name, std)
			}
		}
	}
	if norm(m.w.wordEmb[:m.h]) != 0 {
		t.Error("padding row not zero")
	}
	m2, _ := New(cfg, 9, 5)
	if relErr32(m2.params, m.params) != 0 {
		t.Error("same seed, different init")
	}
	bad := *cfg
	bad.NumAttentionHeads = 5
	if _, err := New(&bad, 9, 1); err == nil {
		t.Error("hidden 32 with 5 heads accepted")
	}
}

func TestForwardErrors(t *testing.T) {
	m := loadTiny(t)
	good := run20Batch(t, 0)
	cases := map[string]func(b *dataset.Batch){
		"token id":   func(b *dataset.Batch) { b.InputIDs[3] = 1000 },
		"label":      func(b *dataset.Batch) { b.Labels[2] = 9 },
		"token type": func(b *dataset.Batch) { b.TokenTypeIDs[1] = 2 },
		"max_position": func(b *dataset.Batch) {
			b.Size, b.Len = 1, 80
			b.InputIDs, b.AttentionMask, b.TokenTypeIDs, b.Labels = make([]int32, 80), make([]int32, 80), make([]int32, 80), nil
		},
	}
	for want, mutate := range cases {
		b := *good
		b.InputIDs = append([]int32(nil), good.InputIDs...)
		b.Labels = append([]int32(nil), good.Labels...)
		b.TokenTypeIDs = append([]int32(nil), good.TokenTypeIDs...)
		mutate(&b)
		if _, err := m.Forward(&b, true); err == nil {
			t.Errorf("%s: no error", want)
		}
	}
	if err := m.Backward(0); err == nil {
		t.Error("Backward after a failed Forward: no error")
	}
}

// TestInferenceCopy: copies share the weights, run concurrently, and give
// the original's logits.
func TestInferenceCopy(t *testing.T) {
	m := loadTiny(t)
	b := run20Batch(t, 2)
	if _, err := m.Forward(b, false); err != nil {
		t.Fatal(err)
	}
	want := append([]float32(nil), m.Logits()...)
	done := make(chan []float32)
	for range 3 {
		c := m.InferenceCopy()
		go func() {
			var out []float32
			for range 20 {
				if _, err := c.Forward(b, false); err != nil {
					t.Error(err)
				}
				out = c.Logits()
			}
			done <- out
		}()
	}
	for range 3 {
		if got := <-done; relErr32(got, want) != 0 {
			t.Error("copy's logits differ")
		}
	}
	if _, err := m.InferenceCopy().Forward(b, true); err == nil {
		t.Error("InferenceCopy trained")
	}
}
