package bert

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/dataset"
)

const tinyDir = "../testdata/goldens/tiny-bert"

// relErr is ‖got − want‖ / ‖want‖ (‖got‖ when want is all zero).
func relErr(got []float32, want []float64) float64 {
	var num, den float64
	for i, w := range want {
		d := float64(got[i]) - w
		num += d * d
		den += w * w
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func tinyConfig(t testing.TB) *checkpoint.Config {
	t.Helper()
	var cfg checkpoint.Config
	readJSON(t, filepath.Join(tinyDir, "config.json"), &cfg)
	return &cfg
}

// loadTiny returns the tiny golden model as HF saved it.
func loadTiny(t testing.TB) *Model {
	t.Helper()
	cfg := tinyConfig(t)
	tensors, err := checkpoint.ReadSafetensors(filepath.Join(tinyDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	m, rep, err := FromTensors(cfg, tensors, len(cfg.ID2Label), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Initialized) != 0 {
		t.Fatalf("tiny model: unexpected new head: %+v", rep)
	}
	return m
}

// makeBatch builds a batch from the nested lists of the golden JSON files.
func makeBatch(ids, mask, types, labels [][]int) *dataset.Batch {
	B, T := len(ids), len(ids[0])
	b := &dataset.Batch{Size: B, Len: T,
		InputIDs: make([]int32, B*T), AttentionMask: make([]int32, B*T), TokenTypeIDs: make([]int32, B*T)}
	if labels != nil {
		b.Labels = make([]int32, B*T)
	}
	for i := 0; i < B; i++ {
		for j := 0; j < T; j++ {
			b.InputIDs[i*T+j] = int32(ids[i][j])
			b.AttentionMask[i*T+j] = int32(mask[i][j])
			if types != nil {
				b.TokenTypeIDs[i*T+j] = int32(types[i][j])
			}
			if labels != nil {
				b.Labels[i*T+j] = int32(labels[i][j])
			}
		}
	}
	return b
}
