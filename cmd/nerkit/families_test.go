package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nerkit/nerkit/checkpoint"
)

// familyModelDir builds a model directory of one encoder family from its
// tiny golden model (../../testdata/goldens/encoders/<family>/: config.json
// and model.safetensors as transformers wrote them) and a tokenizer of the
// family: RoBERTa's byte-level BPE, XLM-R's Unigram, or for DistilBERT and
// ELECTRA a WordPiece vocabulary of the data (vocab.txt). The word
// embeddings are resized to the tokenizer's vocabulary (rows repeated), the
// rest is the golden model as is.
func familyModelDir(t *testing.T, family, vocabTxt string) string {
	t.Helper()
	src := filepath.Join("../../testdata/goldens/encoders", family)
	cfg, err := checkpoint.ReadConfig(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	tensors, err := checkpoint.ReadSafetensors(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var tokFiles []string
	switch family {
	case "roberta":
		for _, f := range []string{"tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"} {
			tokFiles = append(tokFiles, filepath.Join("../../testdata/goldens/encoders/roberta-bpe", f))
		}
	case "xlm-roberta":
		for _, f := range []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"} {
			tokFiles = append(tokFiles, filepath.Join("../../testdata/goldens/encoders/xlmr-unigram", f))
		}
	default:
		tokFiles = []string{vocabTxt}
	}
	vocab := map[string]int{"roberta": 50261, "xlm-roberta": 8002}[family]
	if vocab == 0 {
		b, err := os.ReadFile(vocabTxt)
		if err != nil {
			t.Fatal(err)
		}
		vocab = strings.Count(string(b), "\n")
	}
	name := cfg.Family().Prefix + "embeddings.word_embeddings.weight"
	word := tensors[name]
	width := word.Shape[1]
	data := make([]float32, vocab*width)
	for r := range vocab {
		copy(data[r*width:(r+1)*width], word.Data[(r%word.Shape[0])*width:])
	}
	tensors[name] = checkpoint.Tensor{Shape: []int{vocab, width}, Data: data}
	cfg.VocabSize = vocab
	dir := filepath.Join(t.TempDir(), family)
	err = checkpoint.SaveDir(dir, cfg, tensors, func(tmp string) error {
		for _, f := range tokFiles {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(tmp, filepath.Base(f)), b, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestFamiliesEndToEnd trains a tiny model of each family a few steps,
// evaluates it, predicts raw text and pre-split words, and checks that
// serve answers what predict prints and that the saved model keeps the
// family's layout (model_type, architectures, tensor names, tokenizer).
func TestFamiliesEndToEnd(t *testing.T) {
	data := smallData(t, 24, 6)
	for _, c := range []struct{ family, arch, tokFile, tensor string }{
		{"roberta", "RobertaForTokenClassification", "tokenizer.json", "roberta.embeddings.position_embeddings.weight"},
		{"xlm-roberta", "XLMRobertaForTokenClassification", "tokenizer.json", "roberta.encoder.layer.0.attention.self.query.weight"},
		{"distilbert", "DistilBertForTokenClassification", "vocab.txt", "distilbert.transformer.layer.0.attention.q_lin.weight"},
		{"electra", "ElectraForTokenClassification", "vocab.txt", "electra.embeddings_project.weight"},
	} {
		t.Run(c.family, func(t *testing.T) {
			base := familyModelDir(t, c.family, filepath.Join(data, "vocab.txt"))
			out := filepath.Join(t.TempDir(), "run")
			mustRun(t, "train", "--model", base, "--train", filepath.Join(data, "train.txt"), "--dev", filepath.Join(data, "dev.txt"),
				"--max-steps", "3", "--batch-size", "8", "--lr", "1e-3", "--max-length", "48", "--threads", "2", "--out", out)
			model := filepath.Join(out, "model")

			var cfg map[string]any
			b, err := os.ReadFile(filepath.Join(model, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &cfg); err != nil {
				t.Fatal(err)
			}
			if cfg["model_type"] != c.family || cfg["architectures"].([]any)[0] != c.arch {
				t.Fatalf("saved config: model_type %v, architectures %v", cfg["model_type"], cfg["architectures"])
			}
			if _, err := os.Stat(filepath.Join(model, c.tokFile)); err != nil {
				t.Fatalf("saved model lacks its tokenizer: %v", err)
			}
			h, err := checkpoint.InspectSafetensors(filepath.Join(model, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, ts := range h.Tensors {
				found = found || ts.Name == c.tensor
			}
			if !found {
				t.Fatalf("saved model has no %s", c.tensor)
			}

			ev := mustRun(t, "eval", "--model", model, "--data", filepath.Join(data, "test.txt"), "--out", filepath.Join(t.TempDir(), "eval"))
			if !strings.Contains(ev, "processed") || !strings.Contains(ev, "FB1") {
				t.Fatalf("eval printed no F1:\n%s", ev)
			}
			text := "Путин прилетел в Москву,  а Медведев — в Санкт-Петербург."
			pred := mustRun(t, "predict", "--model", model, "--aggregation", "first", text)
			checkPredictOffsets(t, pred, text)
			serveMatchesPredict(t, model, text, "first", pred)

			// Pre-split words (is_split_into_words): one tag per word.
			words := []string{"Путин", "прилетел", "в", "Москву", "."}
			conllIn := filepath.Join(t.TempDir(), "in.conll")
			if err := os.WriteFile(conllIn, []byte(strings.Join(words, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			var pj struct {
				Tags []string `json:"tags"`
			}
			if err := json.Unmarshal([]byte(mustRun(t, "predict", "--model", model, "--input", conllIn, "--conll", "--format", "jsonl")), &pj); err != nil || len(pj.Tags) != len(words) {
				t.Fatalf("pre-split predict: %v tags, %v", pj.Tags, err)
			}
		})
	}
}

// checkPredictOffsets checks that every entity predict printed is the text
// at its code-point and byte offsets (HF's token offsets: for Unigram's
// "▁word" pieces they include the space before the word, as HF's do).
func checkPredictOffsets(t *testing.T, pred, text string) {
	t.Helper()
	var p struct {
		Entities []struct {
			Text       string
			Start, End int
			ByteStart  int `json:"byte_start"`
			ByteEnd    int `json:"byte_end"`
		} `json:"entities"`
	}
	if err := json.Unmarshal([]byte(pred), &p); err != nil {
		t.Fatalf("predict output %q: %v", pred, err)
	}
	runes := []rune(text)
	for _, e := range p.Entities {
		if e.Start < 0 || e.End > len(runes) || e.Start >= e.End || string(runes[e.Start:e.End]) != e.Text {
			t.Errorf("entity %q at [%d,%d) is not the text there", e.Text, e.Start, e.End)
		} else if text[e.ByteStart:e.ByteEnd] != e.Text {
			t.Errorf("entity %q at bytes [%d,%d) is %q", e.Text, e.ByteStart, e.ByteEnd, text[e.ByteStart:e.ByteEnd])
		}
	}
}

// serveMatchesPredict starts `nerkit serve` on model and checks that its
// answer for text equals what predict printed (pred).
func serveMatchesPredict(t *testing.T, model, text, aggregation, pred string) {
	t.Helper()
	var predicted struct {
		Entities []map[string]any `json:"entities"`
	}
	if err := json.Unmarshal([]byte(pred), &predicted); err != nil {
		t.Fatal(err)
	}
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
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	}()
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	body, _ := json.Marshal(map[string]any{"text": text, "aggregation": aggregation})
	resp, err := http.Post(url+"/v1/ner", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Results []struct {
			Entities []map[string]any `json:"entities"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || len(got.Results) != 1 {
		t.Fatalf("serve answered %+v, %v", got, err)
	}
	if !reflect.DeepEqual(normalise(got.Results[0].Entities), normalise(predicted.Entities)) {
		t.Fatalf("serve %v\npredict %v", got.Results[0].Entities, predicted.Entities)
	}
}

// TestHubIDOtherFamily downloads an XLM-R model (Unigram tokenizer) by hub
// id from a local Hugging Face-style server and predicts as the directory
// does.
func TestHubIDOtherFamily(t *testing.T) {
	data := smallData(t, 16, 4)
	base := familyModelDir(t, "xlm-roberta", "")
	out := filepath.Join(t.TempDir(), "run")
	mustRun(t, "train", "--model", base, "--train", filepath.Join(data, "train.txt"),
		"--max-steps", "2", "--batch-size", "8", "--max-length", "48", "--threads", "2", "--out", out)
	modelDir := filepath.Join(out, "model")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/org/tiny-xlmr/resolve/main/")
		if !ok || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(modelDir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256(b)
		w.Header().Set("X-Repo-Commit", "c0ffee0000000000000000000000000000000001")
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	}))
	defer srv.Close()
	text := "Путин прилетел в Москву."
	want := mustRun(t, "predict", "--model", modelDir, text)
	cmd := exec.Command(nerkitBin, "predict", "--model", "org/tiny-xlmr", text)
	cmd.Env = append(os.Environ(), "HF_HUB_CACHE="+t.TempDir(), "HF_ENDPOINT="+srv.URL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("predict via hub id: %v\n%s", err, stderr.String())
	}
	if stdout.String() != want {
		t.Fatalf("hub model predicts %q, local dir %q", stdout.String(), want)
	}
}
