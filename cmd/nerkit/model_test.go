package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/modeldir"
	"github.com/nerkit/nerkit/serve"
	"github.com/nerkit/nerkit/wordpiece"
)

// saveTinyModel writes a 1-layer BERT with random weights into dir.
func saveTinyModel(t *testing.T, dir string, win modeldir.Windowing) {
	t.Helper()
	vocab := "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nAnna\nlives\nin\nRiga\n.\n##s\n"
	tok, err := wordpiece.LoadVocabBytes("vocab.txt", []byte(vocab), wordpiece.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	labels := conll.PresetLabels()
	cfg := &checkpoint.Config{VocabSize: tok.VocabSize(), HiddenSize: 16, NumHiddenLayers: 1, NumAttentionHeads: 2,
		IntermediateSize: 32, HiddenAct: "gelu", MaxPositionEmbeddings: 64, TypeVocabSize: 2, LayerNormEps: 1e-12}
	m, err := bert.New(cfg, labels.Len(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := modeldir.Save(dir, &modeldir.Loaded{Model: m, Tok: tok, Labels: labels, Windowing: win}, nil); err != nil {
		t.Fatal(err)
	}
}

// The server calls its model by the directory's base name or --name:
// neither /v1/model nor /v1/ner nor /readyz shows where it lies on disk.
func TestServedModelNameIsNoPath(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "srv-secret", "ner-model")
	saveTinyModel(t, secret, modeldir.Windowing{})
	for name, want := range map[string]string{"": "ner-model", "prod-ner": "prod-ner"} {
		rec, err := loadPipelineRecognizer(modelOptions{dir: secret, name: name})
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.Info().Name; got != want {
			t.Fatalf("--name %q: model called %q, want %q", name, got, want)
		}
		opts := serve.DefaultOptions()
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		srv, err := serve.New(rec, opts)
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		for _, req := range []struct{ method, path, body string }{
			{"GET", "/v1/model", ""}, {"GET", "/readyz", ""}, {"POST", "/v1/ner", `{"text":"Anna lives in Riga."}`},
		} {
			r, err := http.NewRequest(req.method, ts.URL+req.path, strings.NewReader(req.body))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || strings.Contains(string(body), "srv-secret") || !strings.Contains(string(body), want) {
				t.Errorf("%s %s: %d %s", req.method, req.path, resp.StatusCode, body)
			}
		}
		ts.Close()
	}
}
