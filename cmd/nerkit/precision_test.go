package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/checkpoint"
)

// Training with --precision bf16 logs it, records it in config.yaml and
// saves a float32 model; eval and predict run it in bf16 and int8 with
// losses near fp32's (the products are rounded, not broken) but not equal
// to them (the flag took effect); int8 cannot train.
func TestPrecisionFlags(t *testing.T) {
	data := smallData(t, 40, 10)
	out := filepath.Join(t.TempDir(), "run")
	_, stderr, err := run(t, trainArgs(data, out, "--epochs", "1", "--precision", "bf16")...)
	if err != nil {
		t.Fatalf("train: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "precision: bf16 products") {
		t.Errorf("train did not report bf16:\n%s", stderr)
	}
	if b, err := os.ReadFile(filepath.Join(out, "config.yaml")); err != nil || !strings.Contains(string(b), "precision: bf16") {
		t.Errorf("config.yaml: %s %v", b, err)
	}
	model := filepath.Join(out, "model")
	tensors, err := checkpoint.ReadSafetensors(filepath.Join(model, "model.safetensors"))
	if err != nil || len(tensors) == 0 {
		t.Fatalf("saved model: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(model, "model.safetensors")); err != nil || strings.Contains(string(b[:min(len(b), 1<<16)]), `"BF16"`) {
		t.Errorf("the saved model holds bf16 tensors (%v)", err)
	}

	test := filepath.Join(data, "test.txt")
	loss := map[string]float64{}
	for _, p := range []string{"fp32", "bf16", "int8"} {
		dir := filepath.Join(t.TempDir(), p)
		mustRun(t, "eval", "--model", model, "--data", test, "--threads", "2", "--precision", p, "--out", dir)
		loss[p] = readScores(t, dir).EvalLoss["test"]
	}
	for _, p := range []string{"bf16", "int8"} {
		// a 2-layer model's loss moves by ~1e-3 relative under rounding
		// (see bert's precision tests); 5% would flag a broken product
		if e := math.Abs(loss[p]-loss["fp32"]) / loss["fp32"]; e > 0.05 || loss[p] == loss["fp32"] {
			t.Errorf("eval --precision %s: loss %v, fp32 %v", p, loss[p], loss["fp32"])
		}
	}

	for _, p := range []string{"bf16", "int8"} {
		got := mustRun(t, "predict", "--model", model, "--precision", p, "Anna lives in Riga .")
		if !strings.HasPrefix(got, `{"text":"Anna lives in Riga .","entities":[`) {
			t.Errorf("predict --precision %s: %s", p, got)
		}
	}

	_, stderr, err = run(t, trainArgs(data, filepath.Join(t.TempDir(), "int8"), "--max-steps", "1", "--precision", "int8")...)
	if err == nil || !strings.Contains(stderr, "int8 is for inference only") {
		t.Errorf("train --precision int8: %v\n%s", err, stderr)
	}
	if _, stderr, err = run(t, "eval", "--model", model, "--data", test, "--precision", "fp16"); err == nil || !strings.Contains(stderr, "fp16") {
		t.Errorf("eval --precision fp16: %v\n%s", err, stderr)
	}
}
