package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/crf"
)

// predictionViolations counts the BIO violations in a predictions file
// (token gold pred), read as written: conll's reader would repair them.
func predictionViolations(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, block := range strings.Split(strings.TrimSpace(string(b)), "\n\n") {
		var tags []string
		for _, line := range strings.Split(block, "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				tags = append(tags, f[len(f)-1])
			}
		}
		n += crf.CountViolations(tags, conll.IOB2)
	}
	return n
}

// A CRF model trains, saves its transitions under pytorch-crf's names
// with the head in config.json, and evaluates, predicts and serves.
func TestCRFHeadThroughTheCLI(t *testing.T) {
	data := smallData(t, 40, 10)
	dir := filepath.Join(t.TempDir(), "run")
	mustRun(t, trainArgs(data, dir, "--max-steps", "6", "--head", "crf", "--crf-constrained")...)
	model := filepath.Join(dir, "model")
	cfg, tensors, err := checkpoint.LoadDir(model)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NerkitHead != "crf" || !cfg.NerkitCRFConstrained {
		t.Fatalf("config.json: head %q constrained %v", cfg.NerkitHead, cfg.NerkitCRFConstrained)
	}
	l := len(cfg.ID2Label)
	for name, size := range map[string]int{crf.TransitionsName: l * l, crf.StartTransitionsName: l, crf.EndTransitionsName: l} {
		if len(tensors[name].Data) != size {
			t.Fatalf("model.safetensors: %s has %d values, want %d", name, len(tensors[name].Data), size)
		}
	}
	if v := predictionViolations(t, filepath.Join(dir, "predictions-dev.conll")); v != 0 {
		t.Fatalf("a constrained CRF predicted %d BIO violations", v)
	}
	ev := filepath.Join(t.TempDir(), "eval")
	mustRun(t, "eval", "--model", model, "--data", filepath.Join(data, "dev.txt"), "--out", ev)
	if _, err := os.Stat(filepath.Join(ev, "errors.tsv")); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "predict", "--model", model, "Москва и Санкт-Петербург")
	var ans struct{ Entities []json.RawMessage }
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &ans); err != nil {
		t.Fatalf("predict: %v: %s", err, out)
	}
	if _, errOut, err := run(t, "predict", "--model", model, "--aggregation", "simple", "Москва"); err == nil || !strings.Contains(errOut, "simple") {
		t.Fatalf("a CRF with the simple strategy: want a refusal, got %v: %s", err, errOut)
	}
}

// Constrained decoding leaves no BIO violation where argmax leaves some,
// in train's dev evaluation and in eval.
func TestConstrainedDecodingThroughTheCLI(t *testing.T) {
	data := smallData(t, 40, 20)
	base := t.TempDir()
	// One tiny step from random weights: a nearly random classifier, whose
	// argmax breaks the scheme often.
	argmax, constrained := filepath.Join(base, "argmax"), filepath.Join(base, "constrained")
	mustRun(t, trainArgs(data, argmax, "--max-steps", "1", "--lr", "1e-6")...)
	mustRun(t, trainArgs(data, constrained, "--max-steps", "1", "--lr", "1e-6", "--decode", "constrained")...)
	if v := predictionViolations(t, filepath.Join(argmax, "predictions-dev.conll")); v == 0 {
		t.Fatal("argmax gave no BIO violation: the test shows nothing")
	}
	if v := predictionViolations(t, filepath.Join(constrained, "predictions-dev.conll")); v != 0 {
		t.Fatalf("--decode constrained in train: %d BIO violations", v)
	}
	cfg, _, err := checkpoint.LoadDir(filepath.Join(constrained, "model"))
	if err != nil || cfg.NerkitDecode != "constrained" {
		t.Fatalf("config.json nerkit_decode %q (%v)", cfg.NerkitDecode, err)
	}
	ev := filepath.Join(base, "eval")
	mustRun(t, "eval", "--model", filepath.Join(argmax, "model"), "--data", filepath.Join(data, "dev.txt"), "--decode", "constrained", "--out", ev)
	if v := predictionViolations(t, filepath.Join(ev, "predictions-dev.conll")); v != 0 {
		t.Fatalf("eval --decode constrained: %d BIO violations", v)
	}
}

// A CRF run interrupted and resumed ends bit-identical to a straight run.
func TestCRFResumeExact(t *testing.T) {
	data := smallData(t, 60, 10)
	base := t.TempDir()
	args := func(out string) []string {
		return trainArgs(data, out, "--epochs", "3", "--threads", "1", "--head", "crf")
	}
	a, c := filepath.Join(base, "a"), filepath.Join(base, "c")
	mustRun(t, args(a)...)
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
	if err := cmd.Wait(); err == nil {
		t.Skip("the run finished before the interrupt arrived")
	}
	mustRun(t, "train", "--resume", c)
	if !bytes.Equal(checkpointBytes(t, a), checkpointBytes(t, c)) {
		t.Fatal("interrupted and resumed CRF run differs from the straight run")
	}
}

// startServer runs `nerkit serve` on model until the test ends and
// returns its URL.
func startServer(t *testing.T, model string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := exec.Command(nerkitBin, "serve", "--model", model, "--addr", addr)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	})
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The serve API decodes per request: "decode":"constrained" leaves no BIO
// violation in the words' tags where argmax leaves some, and answers what
// `nerkit predict --decode constrained` prints.
func TestServeDecodePerRequest(t *testing.T) {
	data := smallData(t, 40, 10)
	dir := filepath.Join(t.TempDir(), "run")
	mustRun(t, trainArgs(data, dir, "--max-steps", "1", "--lr", "1e-6")...)
	model := filepath.Join(dir, "model")
	text := "Путин прилетел в Москву , а Медведев — в Санкт-Петербург , где его встретили губернатор и мэр города ."
	url := startServer(t, model)
	ask := func(decode string) (tags []string, entities []map[string]any) {
		body, _ := json.Marshal(map[string]any{"text": text, "details": true, "decode": decode})
		resp, err := http.Post(url+"/v1/ner", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got struct {
			Results []struct {
				Entities []map[string]any `json:"entities"`
				Words    []struct{ Tag string }
			} `json:"results"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 || len(got.Results) != 1 {
			t.Fatalf("decode %q: status %d, %v", decode, resp.StatusCode, err)
		}
		for _, w := range got.Results[0].Words {
			tags = append(tags, w.Tag)
		}
		return tags, got.Results[0].Entities
	}
	argmax, _ := ask("argmax")
	if crf.CountViolations(argmax, conll.IOB2) == 0 {
		t.Fatalf("argmax tags %v break no rule: the test shows nothing", argmax)
	}
	constrained, entities := ask("constrained")
	if n := crf.CountViolations(constrained, conll.IOB2); n != 0 {
		t.Fatalf("constrained tags %v: %d violations", constrained, n)
	}
	var predicted struct {
		Entities []map[string]any `json:"entities"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "predict", "--model", model, "--decode", "constrained", text)), &predicted); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalise(entities), normalise(predicted.Entities)) {
		t.Fatalf("serve %v\npredict %v", entities, predicted.Entities)
	}
}
