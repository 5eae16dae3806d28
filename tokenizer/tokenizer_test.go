package tokenizer

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/bpe"
	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/dataset"
)

const (
	mbertDir   = "../testdata/data/mbert-vocab"
	robertaDir = "../testdata/goldens/encoders/roberta-bpe"
	xlmrDir    = "../testdata/goldens/encoders/xlmr-unigram"
	goldens    = "../testdata/goldens/encoders/tokenizer_goldens.json"
	// a small WordPiece tokenizer.json, for tests that rewrite the file
	smallWordPiece = "../wordpiece/testdata/added_tokens"
)

// sampleTexts are the golden raw texts (tricky cases of every kind).
func sampleTexts(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(goldens)
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Tokenizers map[string]struct {
			Texts []struct {
				Text string `json:"text"`
			} `json:"texts"`
		} `json:"tokenizers"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, tc := range g.Tokenizers["roberta-bpe"].Texts {
		texts = append(texts, tc.Text)
	}
	if len(texts) < 40 {
		t.Fatalf("only %d texts", len(texts))
	}
	return texts
}

func copyFiles(t *testing.T, from, to string, names ...string) {
	t.Helper()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(from, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sameEncodings(t *testing.T, what string, a, b Tokenizer, texts []string) {
	t.Helper()
	for _, text := range texts {
		if ea, eb := a.Encode(text), b.Encode(text); !reflect.DeepEqual(ea, eb) {
			t.Fatalf("%s: %+q encodes differently:\n %v\n %v", what, text, ea, eb)
		}
	}
}

func TestLoadPicksTheFamily(t *testing.T) {
	texts := sampleTexts(t)
	vocabMerges := t.TempDir()
	copyFiles(t, robertaDir, vocabMerges, "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")
	spm := t.TempDir()
	copyFiles(t, xlmrDir, spm, "sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json")
	for _, tc := range []struct {
		path string
		want Kind
	}{
		{mbertDir, WordPiece},
		{mbertDir + "/tokenizer.json", WordPiece},
		{mbertDir + "/vocab.txt", WordPiece},
		{robertaDir, BPE},
		{robertaDir + "/tokenizer.json", BPE},
		{vocabMerges, BPE},
		{xlmrDir, Unigram},
		{xlmrDir + "/tokenizer.json", Unigram},
		{spm, Unigram},
	} {
		tok, err := Load(tc.path)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if got := KindOf(tok); got != tc.want {
			t.Errorf("%s: kind %q, want %q", tc.path, got, tc.want)
		}
		if tok.Encode("Hello world").IDs[0] != tok.ClsID() {
			t.Errorf("%s: Encode does not start with ClsID", tc.path)
		}
	}
	// vocab.json + merges.txt build the pipeline RobertaConverter writes
	// into tokenizer.json.
	fromJSON, _ := Load(robertaDir)
	fromVocab, _ := Load(vocabMerges)
	sameEncodings(t, "vocab.json+merges.txt vs tokenizer.json", fromJSON, fromVocab, texts)
}

func TestLoadInfersAModelWithoutType(t *testing.T) {
	texts := sampleTexts(t)
	for _, dir := range []string{smallWordPiece, robertaDir, xlmrDir} {
		data, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
		if err != nil {
			t.Fatal(err)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(data, &top); err != nil {
			t.Fatal(err)
		}
		var model map[string]json.RawMessage
		if err := json.Unmarshal(top["model"], &model); err != nil {
			t.Fatal(err)
		}
		delete(model, "type")
		top["model"], _ = json.Marshal(model)
		out, _ := json.Marshal(top)
		p := filepath.Join(t.TempDir(), "tokenizer.json")
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
		untyped, err := Load(p)
		if err != nil {
			t.Fatalf("%s without model.type: %v", dir, err)
		}
		typed, _ := Load(filepath.Join(dir, "tokenizer.json"))
		if KindOf(untyped) != KindOf(typed) {
			t.Errorf("%s: inferred %q, want %q", dir, KindOf(untyped), KindOf(typed))
		}
		sameEncodings(t, dir+" without model.type", typed, untyped, texts)
	}
}

func TestLoadErrors(t *testing.T) {
	empty := t.TempDir()
	if _, err := Load(empty); err == nil || !strings.Contains(err.Error(), "holds no tokenizer.json") {
		t.Errorf("empty dir: %v", err)
	}
	wl := filepath.Join(t.TempDir(), "tokenizer.json")
	os.WriteFile(wl, []byte(`{"model": {"type": "WordLevel", "vocab": {}}}`), 0o644)
	if _, err := Load(wl); err == nil || !strings.Contains(err.Error(), `"WordLevel" is not supported`) {
		t.Errorf("WordLevel: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "tokenizer.json")
	os.WriteFile(bad, []byte("{\n  \"model\": {\"type\": \"BPE\",,}\n}"), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad+":2:") {
		t.Errorf("syntax error: want file:line, got %v", err)
	}
	if _, err := Load(filepath.Join(empty, "missing")); err == nil {
		t.Error("missing path: no error")
	}
}

func TestSaveRoundTrip(t *testing.T) {
	texts := sampleTexts(t)
	words := [][]string{{"Hello", "world"}, {"В", "Минске", "«Газпром»"}, {"", "a b", "<mask>", "x"}}
	for _, dir := range []string{mbertDir, robertaDir, xlmrDir} {
		tok, err := LoadOptions(dir, Options{AddPrefixSpace: new(true)})
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		if err := tok.Save(out); err != nil {
			t.Fatalf("%s: save: %v", dir, err)
		}
		back, err := Load(out) // no options: the saved files carry them
		if err != nil {
			t.Fatalf("%s: reload: %v", dir, err)
		}
		sameEncodings(t, dir+" saved and reloaded", tok, back, texts)
		w1, err1 := tok.Words()
		w2, err2 := back.Words()
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: Words: %v, %v", dir, err1, err2)
		}
		for _, ws := range words {
			if a, b := w1.EncodeWords(ws), w2.EncodeWords(ws); !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: words %q differ after save: %v vs %v", dir, ws, a, b)
			}
		}
	}
}

func TestWordsNeedsPrefixSpaceForBPE(t *testing.T) {
	tok, err := Load(robertaDir) // add_prefix_space false, as roberta-base
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tok.Words(); !errors.Is(err, bpe.ErrNoPrefixSpace) {
		t.Fatalf("Words without add_prefix_space: %v", err)
	}
	tok, _ = LoadOptions(robertaDir, Options{AddPrefixSpace: new(true)})
	we, err := tok.Words()
	if err != nil {
		t.Fatal(err)
	}
	// every word starts with Ġ, the first as the others
	first := we.TokenizeWord("Hello")
	if got := tok.Token(first[0]); got != "ĠHello" {
		t.Errorf("first word's token %q, want ĠHello", got)
	}
	for _, dir := range []string{mbertDir, xlmrDir} {
		tok, _ := Load(dir)
		if _, err := tok.Words(); err != nil {
			t.Errorf("%s: Words: %v", dir, err)
		}
	}
}

// A WordEncoder is what label alignment takes.
var _ dataset.WordTokenizer = WordEncoder(nil)

// TestLabelAlignment runs dataset.Encode with each family's words: the
// first sub-token of every word carries its label, between the family's
// own special tokens.
func TestLabelAlignment(t *testing.T) {
	sents := []conll.Sentence{{Words: []string{"Москва", "is", "big"}, Tags: []string{"B-LOC", "O", "O"}}}
	labels := dataset.LabelMap{"O": 0, "B-LOC": 1}
	for _, dir := range []string{mbertDir, robertaDir, xlmrDir} {
		tok, err := LoadOptions(dir, Options{AddPrefixSpace: new(true)})
		if err != nil {
			t.Fatal(err)
		}
		we, err := tok.Words()
		if err != nil {
			t.Fatal(err)
		}
		exs, _, err := dataset.Encode(sents, we, labels, dataset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ex := exs[0]
		enc := we.EncodeWords(sents[0].Words)
		if !reflect.DeepEqual(ex.IDs, enc.IDs) || !reflect.DeepEqual(ex.WordIndex, enc.WordIDs) {
			t.Errorf("%s: dataset ids %v words %v, EncodeWords %v %v", dir, ex.IDs, ex.WordIndex, enc.IDs, enc.WordIDs)
		}
		if ex.Labels[1] != 1 || ex.Labels[0] != dataset.IgnoreLabel || ex.Labels[len(ex.Labels)-1] != dataset.IgnoreLabel {
			t.Errorf("%s: labels %v", dir, ex.Labels)
		}
	}
}
