package wordpiece

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestNormalizedAddedTokens checks tokens added with normalized=true (what
// transformers' add_tokens creates) against Hugging Face on
// testdata/added_tokens, made by tools/tokbench/added_goldens.js.
func TestNormalizedAddedTokens(t *testing.T) {
	tok, err := Load("testdata/added_tokens/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/added_tokens/goldens.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Texts []struct {
			Text    string   `json:"text"`
			IDs     []int32  `json:"ids"`
			Offsets [][2]int `json:"offsets"`
			WordIDs []*int   `json:"word_ids"`
		} `json:"texts"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	m := &mismatches{t: t}
	for i, tc := range g.Texts {
		e := tok.Encode(tc.Text)
		what := fmt.Sprintf("texts[%d] %+q", i, tc.Text)
		m.check(what+" ids", e.IDs, tc.IDs)
		m.check(what+" offsets", e.Offsets, tc.Offsets)
		m.check(what+" word_ids", e.WordIDs, wordIDs(tc.WordIDs))
	}
	m.report(3 * len(g.Texts))
	if tok.Token(36) != "ÉCOLE" {
		t.Errorf("Token(36) = %q, want the added token's content", tok.Token(36))
	}
	// An added token other than the special ones has no place in vocab.txt.
	if err := tok.Save(t.TempDir()); err == nil || !strings.Contains(err.Error(), "added token") {
		t.Errorf("Save with added tokens: %v", err)
	}
	// As pre-split words, each word is matched on its own.
	e := tok.EncodeWords([]string{"New York", "x<ent>"})
	if got := fmt.Sprint(e.IDs, e.WordIDs); got != "[2 35 12 34 3] [-1 0 1 1 -1]" {
		t.Errorf("EncodeWords = %s", got)
	}
}
