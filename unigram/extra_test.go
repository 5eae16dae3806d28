package unigram

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// extraGoldens is testdata/extra_goldens.json.gz, made by Hugging Face
// tokenizers with tools/tokbench/encoder_goldens.js: the golden texts,
// crafted edge cases and seeded random strings and pre-split sentences,
// under variants of xlmr-unigram's pipeline (each config's patch replaces
// top-level parts of tokenizer.json).
type extraGoldens struct {
	Library string
	Configs map[string]struct {
		Patch map[string]json.RawMessage `json:"patch"`
		Texts []struct {
			Text    string   `json:"text"`
			IDs     []int32  `json:"ids"`
			Tokens  []string `json:"tokens"`
			Offsets [][2]int `json:"offsets"`
			WordIDs []*int   `json:"word_ids"`
		} `json:"texts"`
		Words []struct {
			Words   []string `json:"words"`
			IDs     []int32  `json:"ids"`
			Tokens  []string `json:"tokens"`
			Offsets [][2]int `json:"offsets"`
			WordIDs []*int   `json:"word_ids"`
		} `json:"words"`
	} `json:"configs"`
}

func readExtraGoldens(t *testing.T) *extraGoldens {
	f, err := os.Open("testdata/extra_goldens.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var g extraGoldens
	if err := json.NewDecoder(zr).Decode(&g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// patchedTokenizerJSON writes base with its top-level parts replaced by
// patch into dir and returns the file's path.
func patchedTokenizerJSON(t *testing.T, base, dir, name string, patch map[string]json.RawMessage) string {
	data, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	for k, v := range patch {
		top[k] = v
	}
	out, err := json.Marshal(top)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".json")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExtraGoldens(t *testing.T) {
	g := readExtraGoldens(t)
	if len(g.Configs) < 5 {
		t.Fatalf("only %d configs", len(g.Configs))
	}
	dir := t.TempDir()
	names := make([]string, 0, len(g.Configs))
	for name := range g.Configs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		cfg := g.Configs[name]
		t.Run(name, func(t *testing.T) {
			tok, err := Load(patchedTokenizerJSON(t, xlmrJSON, dir, name, cfg.Patch))
			if err != nil {
				t.Fatal(err)
			}
			m := &mismatches{t: t}
			for i, tc := range cfg.Texts {
				e := tok.Encode(tc.Text)
				what := fmt.Sprintf("texts[%d] %+q", i, tc.Text)
				m.check(what+" ids", e.IDs, tc.IDs)
				m.check(what+" tokens", e.Tokens, tc.Tokens)
				m.check(what+" offsets", e.Offsets, tc.Offsets)
				m.check(what+" word_ids", e.WordIDs, wordIDs(tc.WordIDs))
			}
			for i, tc := range cfg.Words {
				e := tok.EncodeWords(tc.Words)
				what := fmt.Sprintf("words[%d] %+q", i, tc.Words)
				m.check(what+" ids", e.IDs, tc.IDs)
				m.check(what+" tokens", e.Tokens, tc.Tokens)
				m.check(what+" offsets", e.Offsets, tc.Offsets)
				m.check(what+" word_ids", e.WordIDs, wordIDs(tc.WordIDs))
			}
			if len(cfg.Texts) < 400 || len(cfg.Words) < 200 {
				t.Fatalf("config %s has only %d texts and %d sentences", name, len(cfg.Texts), len(cfg.Words))
			}
			m.report(4 * (len(cfg.Texts) + len(cfg.Words)))
		})
	}
}
