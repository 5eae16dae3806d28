package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDirGolden(t *testing.T) {
	cfg, tensors, err := LoadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HiddenSize != 32 || cfg.NumHiddenLayers != 2 || cfg.NumAttentionHeads != 4 || cfg.NumLabels() != 9 {
		t.Errorf("config %+v", cfg)
	}
	if len(tensors) != 39 {
		t.Errorf("%d tensors", len(tensors))
	}
}

func TestLoadDirTorchBin(t *testing.T) {
	cfg, tensors, err := LoadDir(camphrDir)
	if err != nil {
		t.Fatal(err)
	}
	labels, _ := cfg.Labels()
	if strings.Join(labels, " ") != "O B-MISC I-MISC B-PER I-PER B-ORG I-ORG B-LOC I-LOC" {
		t.Errorf("labels %v", labels)
	}
	if len(tensors) != 23 {
		t.Errorf("%d tensors", len(tensors))
	}
}

func TestLoadDirNoWeights(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(camphrDir, "config.json"), filepath.Join(dir, "config.json"))
	_, _, err := LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "model.safetensors") || !strings.Contains(err.Error(), "pytorch_model.bin") {
		t.Errorf("err = %v, want one naming the dir and the files looked for", err)
	}
	_, _, err = LoadDir(filepath.Join(dir, "absent"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v", err)
	}
}

func TestSaveDirRoundTripAndReplace(t *testing.T) {
	cfg, tensors, err := LoadDir(camphrDir)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "model")
	for round := range 2 {
		err := SaveDir(dir, cfg, tensors, func(tmp string) error {
			return os.WriteFile(filepath.Join(tmp, "vocab.txt"), []byte{'a' + byte(round)}, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cfg2, tensors2, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg2.ModelType != "bert" || cfg2.TorchDtype != "float32" || len(cfg2.Architectures) != 1 || cfg2.Architectures[0] != "BertForTokenClassification" {
		t.Errorf("saved config %+v", cfg2)
	}
	if cfg2.Label2ID["I-LOC"] != 8 || cfg2.ID2Label["3"] != "B-PER" || cfg2.HiddenSize != 16 || cfg2.VocabSize != 402 {
		t.Errorf("saved config lost fields: %+v", cfg2)
	}
	if len(tensors2) != len(tensors) {
		t.Fatalf("%d tensors back, want %d", len(tensors2), len(tensors))
	}
	for k, v := range tensors {
		w := tensors2[k]
		for i := range v.Data {
			if v.Data[i] != w.Data[i] {
				t.Fatalf("%s differs after save", k)
			}
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "vocab.txt")); string(b) != "b" {
		t.Errorf("second save did not replace the extra files: %q", b)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("leftovers next to the model dir: %v", entries)
	}
}

func TestSaveDirFailureKeepsOldDir(t *testing.T) {
	cfg, tensors, err := LoadDir(camphrDir)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "model")
	if err := SaveDir(dir, cfg, tensors, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, SafetensorsFileName))
	boom := errors.New("tokenizer write failed")
	changed := map[string]Tensor{"x": {Shape: []int{1}, Data: []float32{1}}}
	err = SaveDir(dir, cfg, changed, func(string) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the extra() error", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, SafetensorsFileName))
	if string(before) != string(after) {
		t.Error("failed save modified the existing model")
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("temp dir left behind: %v", entries)
	}
	// Bad tensors fail before anything is swapped.
	bad := map[string]Tensor{"x": {Shape: []int{2}, Data: []float32{1}}}
	if err := SaveDir(dir, cfg, bad, nil); err == nil {
		t.Error("bad tensor accepted")
	}
	if _, _, err := LoadDir(dir); err != nil {
		t.Errorf("old dir unreadable after failed save: %v", err)
	}
}

func TestReadShardedSafetensors(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(goldenDir, "config.json"), filepath.Join(dir, "config.json"))
	a := map[string]Tensor{"bert.a": {Shape: []int{1}, Data: []float32{1}}}
	b := map[string]Tensor{"classifier.b": {Shape: []int{2}, Data: []float32{2, 3}}}
	if err := WriteSafetensors(filepath.Join(dir, "model-00001-of-00002.safetensors"), a, nil); err != nil {
		t.Fatal(err)
	}
	if err := WriteSafetensors(filepath.Join(dir, "model-00002-of-00002.safetensors"), b, nil); err != nil {
		t.Fatal(err)
	}
	idx := `{"metadata":{},"weight_map":{"bert.a":"model-00001-of-00002.safetensors","classifier.b":"model-00002-of-00002.safetensors"}}`
	if err := os.WriteFile(filepath.Join(dir, SafetensorsIndexFileName), []byte(idx), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadWeights(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["classifier.b"].Data[1] != 3 {
		t.Errorf("got %v", got)
	}
	bad := `{"weight_map":{"bert.a":"../evil.safetensors"}}`
	os.WriteFile(filepath.Join(dir, SafetensorsIndexFileName), []byte(bad), 0o644)
	if _, err := LoadWeights(dir); err == nil || !strings.Contains(err.Error(), "plain file name") {
		t.Errorf("err = %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
