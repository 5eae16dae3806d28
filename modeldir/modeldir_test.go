package modeldir

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/parallel"
	"github.com/nerkit/nerkit/wordpiece"
)

// tinyModel is a freshly initialised 1-layer BERT with a small vocabulary.
func tinyModel(t *testing.T) *Loaded {
	t.Helper()
	vocab := "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nAnna\nlives\nin\nRiga\n.\n##s\n"
	tok, err := wordpiece.LoadVocabBytes("vocab.txt", []byte(vocab), wordpiece.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	labels, err := conll.NewLabelSet([]string{"O", "B-PER", "I-PER", "B-LOC", "I-LOC"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &checkpoint.Config{VocabSize: tok.VocabSize(), HiddenSize: 16, NumHiddenLayers: 1, NumAttentionHeads: 2,
		IntermediateSize: 32, HiddenAct: "gelu", MaxPositionEmbeddings: 64, TypeVocabSize: 2, LayerNormEps: 1e-12}
	cfg.SetLabels(labels.Labels())
	m, err := bert.New(cfg, labels.Len(), 7)
	if err != nil {
		t.Fatal(err)
	}
	return &Loaded{Model: m, Tok: tok, Labels: labels}
}

// A saved model loads back with its labels, weights and windowing; one
// saved without windowing gets the model's position limit.
func TestSaveLoadRoundTrip(t *testing.T) {
	ld := tinyModel(t)
	ld.Windowing = Windowing{MaxLength: 24, Stride: 5}
	dir := filepath.Join(t.TempDir(), "model")
	if err := Save(dir, ld, nil); err != nil {
		t.Fatal(err)
	}
	got, err := Load(context.Background(), dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Labels.Labels(), ld.Labels.Labels()) {
		t.Errorf("labels %v, want %v", got.Labels, ld.Labels)
	}
	if got.Windowing != ld.Windowing {
		t.Errorf("windowing %+v, want %+v", got.Windowing, ld.Windowing)
	}
	if got.Dir != dir || got.Name != "model" {
		t.Errorf("dir %q name %q", got.Dir, got.Name)
	}
	want := ld.Model.Tensors()
	for name, tn := range got.Model.Tensors() {
		if !slices.Equal(tn.Data, want[name].Data) {
			t.Fatalf("%s differs after the round trip", name)
		}
	}

	plain := filepath.Join(t.TempDir(), "plain")
	ld.Windowing = Windowing{}
	if err := Save(plain, ld, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(plain, SettingsFileName)); !os.IsNotExist(err) {
		t.Fatalf("%s written without windowing: %v", SettingsFileName, err)
	}
	got, err = Load(context.Background(), plain, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Windowing != (Windowing{MaxLength: 64}) {
		t.Errorf("default windowing %+v, want the 64 positions of the model", got.Windowing)
	}
}

// A windowing the model cannot take is an error naming nerkit.json.
func TestBadWindowingNamesTheFile(t *testing.T) {
	ld := tinyModel(t)
	ld.Windowing = Windowing{MaxLength: 65}
	dir := filepath.Join(t.TempDir(), "model")
	if err := Save(dir, ld, nil); err != nil {
		t.Fatal(err)
	}
	_, err := Load(context.Background(), dir, 0)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, SettingsFileName)) {
		t.Fatalf("error %v should name %s", err, SettingsFileName)
	}
}

// Name never shows more than a directory's base name; hub ids stay as
// given.
func TestName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "mbert")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for model, want := range map[string]string{
		dir:                            "mbert",
		dir + "/":                      "mbert",
		".":                            "mbert",
		"bert-base-multilingual-cased": "bert-base-multilingual-cased",
		"dslim/bert-base-NER":          "dslim/bert-base-NER",
		"../mbert":                     "mbert",
	} {
		if got := Name(model); got != want {
			t.Errorf("Name(%q) = %q, want %q", model, got, want)
		}
	}
}

// A path that is not a directory is refused before any hub lookup.
func TestResolveRefusesPaths(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(file, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{file, "./absent", "/absent/model"} {
		if _, err := Resolve(context.Background(), model); err == nil || !strings.Contains(err.Error(), model) {
			t.Errorf("Resolve(%q): %v", model, err)
		}
	}
}

// Loading with n threads sizes the matrix products' pool to n, not only the
// model's element-wise work; 0 leaves the pool as it was.
func TestLoadSetsTheGEMMThreads(t *testing.T) {
	prev := parallel.Threads()
	t.Cleanup(func() { parallel.SetThreads(prev) })
	dir := filepath.Join(t.TempDir(), "model")
	if err := Save(dir, tinyModel(t), nil); err != nil {
		t.Fatal(err)
	}
	n := prev + 1 // differs from the pool's size whatever the machine
	if _, err := Load(context.Background(), dir, n); err != nil {
		t.Fatal(err)
	}
	if got := parallel.Threads(); got != n {
		t.Fatalf("after loading with %d threads the GEMM uses %d", n, got)
	}
	parallel.SetThreads(prev)
	if _, err := Load(context.Background(), dir, 0); err != nil {
		t.Fatal(err)
	}
	if got := parallel.Threads(); got != prev {
		t.Fatalf("loading with 0 threads changed the GEMM's from %d to %d", prev, got)
	}
}
