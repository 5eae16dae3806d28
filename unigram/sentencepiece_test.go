package unigram

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/internal/tokentest"
)

// TestSentencePieceModel converts sentencepiece.bpe.model as transformers'
// XLMRobertaConverter does and checks the result against the shipped
// tokenizer.json (made the converter's way): the same vocabulary, the same
// scores to float32 precision (the model stores float32; the shipped file's
// decimals are not always the float32 value exactly, while the conversion
// keeps it exactly, as transformers does), and the same encodings of every
// golden text and sentence.
func TestSentencePieceModel(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{SentencePieceFile, "tokenizer_config.json", "special_tokens_map.json"} {
		b, err := os.ReadFile(filepath.Join(xlmrDir, name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, name, string(b))
	}
	fromSPM, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := xlmr(t)
	if !reflect.DeepEqual(fromSPM.m.pieces, want.m.pieces) {
		t.Fatal("the converted vocabulary differs from tokenizer.json's")
	}
	for i, s := range fromSPM.m.scores {
		if w := want.m.scores[i]; math.Abs(s-w) > 1e-6*math.Abs(w) || float64(float32(s)) != s {
			t.Fatalf("piece %d %q: score %v, tokenizer.json %v", i, want.m.pieces[i], s, w)
		}
	}
	g := tokentest.LoadGolden(t, goldenPath, "xlmr-unigram")
	for _, tc := range g.Texts {
		if a, b := fromSPM.Encode(tc.Text), want.Encode(tc.Text); !reflect.DeepEqual(a, b) {
			t.Fatalf("%+q: %v\nwant %v", tc.Text, a, b)
		}
	}
	for _, f := range g.Presplit {
		for _, s := range f.Sentences {
			if a, b := fromSPM.EncodeWords(s.Words), want.EncodeWords(s.Words); !reflect.DeepEqual(a, b) {
				t.Fatalf("%q: %v\nwant %v", s.Words, a, b)
			}
		}
	}
	// Saved, it comes back with a tokenizer.json beside the model.
	out := t.TempDir()
	if err := fromSPM.Save(out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tokenizer.json", SentencePieceFile} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("Save wrote no %s: %v", name, err)
		}
	}

	writeFile(t, dir, "tokenizer_config.json", `{"tokenizer_class": "CamembertTokenizer"}`)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "only XLM-R's SentencePiece layout") {
		t.Errorf("CamemBERT layout: %v", err)
	}
	writeFile(t, dir, "tokenizer_config.json", `{}`)
	writeFile(t, dir, SentencePieceFile, "\x0a\xff")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("broken model: %v", err)
	}
}
