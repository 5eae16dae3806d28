package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runScores are the final scores of a run or an evaluation.
type runScores struct {
	Eval     map[string]json.RawMessage `json:"eval"`
	EvalLoss map[string]float64         `json:"eval_loss"`
}

func readScores(t *testing.T, dir string) runScores {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s runScores
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// A model remembers the windowing it was trained with: eval of the saved
// model on the test file reproduces the run's test scores and loss exactly,
// also when training cut sentences into short windows; --max-length
// overrides it.
func TestEvalReproducesTheRunWithItsWindowing(t *testing.T) {
	data := smallData(t, 60, 20)
	out := filepath.Join(t.TempDir(), "run")
	_, stderr, err := run(t, trainArgs(data, out, "--epochs", "2", "--max-length", "16")...)
	if err != nil {
		t.Fatalf("train: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "test: ") || !strings.Contains(stderr, "split into overlapping windows") {
		t.Fatalf("the test set was not windowed, so this test proves nothing:\n%s", stderr)
	}
	model := filepath.Join(out, "model")
	b, err := os.ReadFile(filepath.Join(model, "nerkit.json"))
	if err != nil || !strings.Contains(string(b), `"max_length": 16`) {
		t.Fatalf("nerkit.json: %s %v", b, err)
	}
	runScores := readScores(t, out)

	evalOut := filepath.Join(t.TempDir(), "eval")
	mustRun(t, "eval", "--model", model, "--data", filepath.Join(data, "test.txt"), "--threads", "2", "--out", evalOut)
	got := readScores(t, evalOut)
	if string(got.Eval["test"]) != string(runScores.Eval["test"]) || got.EvalLoss["test"] != runScores.EvalLoss["test"] {
		t.Fatalf("eval scored %s (loss %v), the run %s (loss %v)", got.Eval["test"], got.EvalLoss["test"], runScores.Eval["test"], runScores.EvalLoss["test"])
	}

	wide := filepath.Join(t.TempDir(), "wide")
	mustRun(t, "eval", "--model", model, "--data", filepath.Join(data, "test.txt"), "--threads", "2", "--max-length", "64", "--out", wide)
	if w := readScores(t, wide); w.EvalLoss["test"] == runScores.EvalLoss["test"] {
		t.Fatal("--max-length 64 evaluated with the model's 16-position windows")
	}

	// The report's title names the run once.
	f, err := os.Open(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() || sc.Text() != "# nerkit train: run" {
		t.Fatalf("report.md starts %q", sc.Text())
	}
}
