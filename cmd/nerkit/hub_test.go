package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHubIDThroughLocalServer: `--model org/name` downloads a model from a
// Hugging Face-style server (HF_ENDPOINT, here a local test server) into the
// HF cache, and later runs use the cache offline.
func TestHubIDThroughLocalServer(t *testing.T) {
	data := smallData(t, 40, 10)
	run := filepath.Join(t.TempDir(), "run")
	mustRun(t, trainArgs(data, run, "--epochs", "1")...)
	modelDir := filepath.Join(run, "model")

	var gets int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/org/tiny-ner/resolve/main/")
		if !ok || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(modelDir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodGet {
			gets++
		}
		sum := sha256.Sum256(b)
		w.Header().Set("X-Repo-Commit", "c0ffee0000000000000000000000000000000000")
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		http.ServeContent(w, r, name, time.Time{}, strings.NewReader(string(b)))
	}))
	defer srv.Close()

	cache := t.TempDir()
	predict := func(env ...string) (string, string, error) {
		cmd := exec.Command(nerkitBin, "predict", "--model", "org/tiny-ner", "Путин прилетел в Москву.")
		cmd.Env = append(os.Environ(), append([]string{"HF_HUB_CACHE=" + cache, "HF_ENDPOINT=" + srv.URL}, env...)...)
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String(), errOut.String(), err
	}
	want := mustRun(t, "predict", "--model", modelDir, "Путин прилетел в Москву.")
	got, stderr, err := predict()
	if err != nil {
		t.Fatalf("predict via hub id: %v\n%s", err, stderr)
	}
	if got != want {
		t.Fatalf("hub model predicts %q, local dir %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(cache, "models--org--tiny-ner", "snapshots", "c0ffee0000000000000000000000000000000000", "model.safetensors")); err != nil {
		t.Fatalf("not in the HF cache layout: %v", err)
	}
	before := gets
	srv.Close()
	if got, stderr, err := predict("HF_HUB_OFFLINE=1"); err != nil || got != want {
		t.Fatalf("offline from the cache: %v\n%s", err, stderr)
	}
	if gets != before {
		t.Fatal("the offline run touched the server")
	}
	if _, stderr, err := predict("HF_HUB_OFFLINE=1", "HF_HUB_CACHE="+t.TempDir()); err == nil || !strings.Contains(stderr, "HF_HUB_OFFLINE") {
		t.Fatalf("offline with an empty cache should fail clearly: %v %s", err, stderr)
	}
}
