package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/optim"
	"go.yaml.in/yaml/v3"
)

type metricsJSON struct {
	Steps []struct {
		Loss float64 `json:"loss"`
		LR   float64 `json:"lr"`
	} `json:"steps"`
	Epochs []struct {
		TrainLoss float64  `json:"train_loss"`
		DevLoss   *float64 `json:"dev_loss"`
		DevF1     *float64 `json:"dev_f1"`
	} `json:"epochs"`
	BestEpoch int `json:"best_epoch"`
	Eval      map[string]struct {
		Precision float64 `json:"precision"`
		Recall    float64 `json:"recall"`
		F1        float64 `json:"f1"`
		Gold      int     `json:"gold"`
		Found     int     `json:"found"`
		Correct   int     `json:"correct"`
	} `json:"eval"`
}

func TestTrainEndToEnd(t *testing.T) {
	data := smallData(t, 120, 40)
	out := filepath.Join(t.TempDir(), "run")
	stdout := mustRun(t, trainArgs(data, out, "--epochs", "4")...)
	if !strings.Contains(stdout, "dev F1") || !strings.Contains(stdout, "test F1") {
		t.Fatalf("summary line lacks dev/test F1: %q", stdout)
	}

	for _, f := range []string{"config.yaml", "metrics.json", "report.md", "loss.png", "loss.svg",
		"confusion_dev.png", "confusion_test.png", "confusion_dev.svg", "predictions-dev.conll", "predictions-test.conll",
		"errors.tsv", "model/config.json", "model/model.safetensors", "model/vocab.txt", "checkpoint/trainer_state.json"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}

	var m metricsJSON
	b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("metrics.json: %v", err)
	}
	if len(m.Epochs) != 4 || len(m.Steps) != 4*15 {
		t.Fatalf("%d epochs, %d steps; want 4 and 60", len(m.Epochs), len(m.Steps))
	}
	// Loss goes down: the last epoch's mean training loss is well below the first's.
	if first, last := m.Epochs[0].TrainLoss, m.Epochs[3].TrainLoss; !(last < 0.8*first) {
		t.Fatalf("training loss did not go down: epoch 1 %.4f, epoch 4 %.4f", first, last)
	}
	if m.Epochs[0].DevLoss == nil || m.Epochs[0].DevF1 == nil {
		t.Fatal("dev loss / F1 missing from epochs")
	}

	// PNGs decode at the size the report package draws.
	for f, size := range map[string][2]int{"loss.png": {1320, 720}} {
		fh, err := os.Open(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got := img.Bounds().Size(); got.X != size[0] || got.Y != size[1] {
			t.Errorf("%s is %v, want %v", f, got, size)
		}
	}
	for _, f := range []string{"confusion_dev.png", "confusion_test.png"} {
		fh, _ := os.Open(filepath.Join(out, f))
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil || img.Bounds().Dx() < 400 || img.Bounds().Dy() < 400 {
			t.Errorf("%s: %v", f, err)
		}
	}

	// The CoNLL predictions score the same through `nerkit score` as in metrics.json.
	for _, split := range []string{"dev", "test"} {
		js := mustRun(t, "score", "--json", filepath.Join(out, "predictions-"+split+".conll"))
		var s struct {
			F1                   float64 `json:"f1"`
			Gold, Found, Correct int
		}
		if err := json.Unmarshal([]byte(js), &s); err != nil {
			t.Fatalf("score --json: %v: %s", err, js)
		}
		want := m.Eval[split]
		if s.Gold != want.Gold || s.Found != want.Found || s.Correct != want.Correct || math.Abs(s.F1-want.F1) > 1e-12 || want.Gold == 0 {
			t.Errorf("%s: score of predictions %+v differs from metrics.json %+v", split, s, want)
		}
	}

	// The saved model predicts through `nerkit predict`.
	pred := mustRun(t, "predict", "--model", filepath.Join(out, "model"), "Путин прилетел в Москву.")
	var line struct {
		Text     string           `json:"text"`
		Entities []map[string]any `json:"entities"`
	}
	if err := json.Unmarshal([]byte(pred), &line); err != nil || line.Text != "Путин прилетел в Москву." {
		t.Fatalf("predict output %q: %v", pred, err)
	}
	jsonl := mustRun(t, "predict", "--model", filepath.Join(out, "model"), "--input", filepath.Join(data, "dev.txt"), "--conll", "--format", "jsonl")
	if n := strings.Count(jsonl, "\n"); n != 40 {
		t.Fatalf("predict --format jsonl wrote %d lines for 40 sentences", n)
	}

	// eval on the test file reproduces the run's test score.
	evalOut := filepath.Join(t.TempDir(), "eval")
	mustRun(t, "eval", "--model", filepath.Join(out, "model"), "--data", filepath.Join(data, "test.txt"), "--out", evalOut)
	b, err = os.ReadFile(filepath.Join(evalOut, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var em metricsJSON
	if err := json.Unmarshal(b, &em); err != nil {
		t.Fatal(err)
	}
	if em.Eval["test"] != m.Eval["test"] {
		t.Errorf("eval's test score %+v differs from the run's %+v", em.Eval["test"], m.Eval["test"])
	}

	// A second run into the same directory is refused without --overwrite.
	if _, errOut, err := run(t, trainArgs(data, out, "--epochs", "1")...); err == nil || !strings.Contains(errOut, "--overwrite") {
		t.Fatalf("existing run directory was not protected: %v %s", err, errOut)
	}
}

// checkpointLoad loads a model directory as nerkit does.
func checkpointLoad(dir string) (*checkpoint.Config, map[string]checkpoint.Tensor, error) {
	return checkpoint.LoadDir(dir)
}

// checkpointBytes reads the final parameters of a run.
func checkpointBytes(t *testing.T, run string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(run, "checkpoint", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReproducibleAndResumable: the same seed gives bit-identical
// parameters, and a run interrupted by SIGINT and resumed ends with exactly
// the parameters of an uninterrupted run.
func TestReproducibleAndResumable(t *testing.T) {
	data := smallData(t, 80, 20)
	base := t.TempDir()
	args := func(out string) []string {
		return trainArgs(data, out, "--epochs", "3", "--threads", "1")
	}
	a, b, c := filepath.Join(base, "a"), filepath.Join(base, "b"), filepath.Join(base, "c")
	mustRun(t, args(a)...)
	mustRun(t, args(b)...)
	if !bytes.Equal(checkpointBytes(t, a), checkpointBytes(t, b)) {
		t.Fatal("two runs with the same seed and threads differ")
	}

	// Interrupt c once its first epoch is reported, then resume it.
	cmd := exec.Command(nerkitBin, args(c)...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(stderr.String(), "epoch 1/3") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no epoch line: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if err == nil {
		t.Skip("the run finished before the interrupt arrived")
	}
	if !strings.Contains(stderr.String(), "--resume") {
		t.Fatalf("interrupted run did not say how to resume: %v\n%s", err, stderr.String())
	}
	mustRun(t, "train", "--resume", c)
	if !bytes.Equal(checkpointBytes(t, a), checkpointBytes(t, c)) {
		t.Fatal("interrupted and resumed run differs from the straight run")
	}
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// TestKillDuringCheckpointWrites kills training with SIGKILL at many moments
// while it rewrites model/ and checkpoint/ after every epoch: each time,
// whatever was saved before must still load whole, and the run resumes.
func TestKillDuringCheckpointWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a training process several times")
	}
	data := smallData(t, 16, 8)
	out := filepath.Join(t.TempDir(), "run")
	args := trainArgs(data, out, "--epochs", "400", "--threads", "1")
	saw := 0
	for i, delay := range []time.Duration{700, 900, 1100, 1300, 1500, 1700, 1900, 2100} {
		cmd := exec.Command(nerkitBin, args...)
		if i > 0 && saw > 0 {
			cmd = exec.Command(nerkitBin, "train", "--resume", out)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		for _, dir := range []string{"model", "checkpoint"} {
			p := filepath.Join(out, dir)
			if _, err := os.Stat(p); err != nil {
				continue // not written yet
			}
			if _, _, err := checkpointLoad(p); err != nil {
				t.Fatalf("kill %d: %s does not load: %v", i, dir, err)
			}
			if dir == "checkpoint" {
				saw++
				if _, err := os.Stat(filepath.Join(p, "trainer_state.json")); err != nil {
					t.Fatalf("kill %d: checkpoint without its state: %v", i, err)
				}
			}
		}
	}
	if saw == 0 {
		t.Fatal("no checkpoint was ever written before a kill")
	}
}

// TestTrainWithoutDev: no dev file means no per-epoch evaluation; the last
// epoch is kept, and the state (with no dev figures) still saves and resumes.
func TestTrainWithoutDev(t *testing.T) {
	data := smallData(t, 30, 10)
	out := filepath.Join(t.TempDir(), "run")
	mustRun(t, "train", "--model", "scratch:tiny", "--vocab", filepath.Join(data, "vocab.txt"),
		"--train", filepath.Join(data, "train.txt"), "--epochs", "2", "--out", out)
	var m metricsJSON
	b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Epochs) != 2 || m.Epochs[1].DevLoss != nil || m.BestEpoch != 2 {
		t.Fatalf("epochs %+v, best %d", m.Epochs, m.BestEpoch)
	}
	if _, err := os.Stat(filepath.Join(out, "model", "model.safetensors")); err != nil {
		t.Fatal(err)
	}
}

// A preset's settings reach the run; explicit flags outrank them; --dropout
// reaches the saved model's config.json as transformers reads it.
func TestPresetDefaultsAndOverrides(t *testing.T) {
	data := smallData(t, 20, 5)
	base := []string{"train", "--model", "scratch:tiny", "--vocab", filepath.Join(data, "vocab.txt"),
		"--train", filepath.Join(data, "train.txt"), "--max-steps", "1", "--threads", "1"}
	read := func(out string) (cfg map[string]any, model map[string]any) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(out, "config.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
		b, err = os.ReadFile(filepath.Join(out, "model", "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &model); err != nil {
			t.Fatal(err)
		}
		return cfg, model
	}
	preset := filepath.Join(t.TempDir(), "preset")
	mustRun(t, append(base, "--out", preset)...)
	cfg, model := read(preset)
	if cfg["label_all_tokens"] != true || cfg["group_by_length"] != true || cfg["dropout"] != 0.1 || cfg["lr"] != 1e-3 || model["hidden_dropout_prob"] != 0.1 {
		t.Fatalf("preset defaults missing: config.yaml %v, config.json dropout %v", cfg, model["hidden_dropout_prob"])
	}
	flags := filepath.Join(t.TempDir(), "flags")
	mustRun(t, append(base, "--out", flags, "--label-all-tokens=false", "--dropout", "0.3", "--lr", "2e-4")...)
	cfg, model = read(flags)
	if cfg["label_all_tokens"] != false || cfg["dropout"] != 0.3 || cfg["lr"] != 2e-4 ||
		model["hidden_dropout_prob"] != 0.3 || model["attention_probs_dropout_prob"] != 0.3 {
		t.Fatalf("flags did not override the preset: config.yaml %v, config.json %v", cfg, model)
	}
}

// --schedule cosine runs transformers' get_cosine_schedule_with_warmup: the
// learning rate of every step in metrics.json is the schedule's, bit for bit.
func TestCosineSchedule(t *testing.T) {
	data := smallData(t, 24, 5)
	out := filepath.Join(t.TempDir(), "run")
	mustRun(t, "train", "--model", "scratch:tiny", "--vocab", filepath.Join(data, "vocab.txt"),
		"--train", filepath.Join(data, "train.txt"), "--batch-size", "4", "--epochs", "1",
		"--schedule", "cosine", "--warmup-ratio", "0.34", "--lr", "1e-3", "--threads", "1", "--out", out)
	b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Steps []struct{ LR float64 } `json:"steps"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// 24 sentences / 4 = 6 steps, warmup ceil(0.34·6) = 3.
	want := optim.CosineWarmup{Warmup: 3, Total: 6, Cycles: 0.5}
	if len(m.Steps) != 6 {
		t.Fatalf("%d steps, want 6", len(m.Steps))
	}
	for i, s := range m.Steps {
		if w := optim.LR(1e-3, want, i); s.LR != w {
			t.Errorf("step %d: lr %v, want %v", i+1, s.LR, w)
		}
	}
}
