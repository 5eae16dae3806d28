package wordpiece

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// extraGoldens is testdata/extra_goldens.json.gz, made by Hugging Face
// tokenizers with tools/tokbench/extra_goldens.js: the golden texts, crafted
// edge cases and seeded random strings under every BertNormalizer setting.
type extraGoldens struct {
	Library string
	Configs map[string]struct {
		Options *struct {
			Lowercase          bool  `json:"lowercase"`
			StripAccents       *bool `json:"strip_accents"`
			CleanText          bool  `json:"clean_text"`
			HandleChineseChars bool  `json:"handle_chinese_chars"`
			MatchSpecialTokens bool  `json:"match_special_tokens"`
		} `json:"options"`
		Texts []struct {
			Text    string   `json:"text"`
			IDs     []int32  `json:"ids"`
			Offsets [][2]int `json:"offsets"`
			WordIDs []*int   `json:"word_ids"`
		} `json:"texts"`
		Words []struct {
			Words   []string `json:"words"`
			IDs     []int32  `json:"ids"`
			WordIDs []*int   `json:"word_ids"`
		} `json:"words"`
	} `json:"configs"`
}

func TestExtraGoldens(t *testing.T) {
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
	if len(g.Configs) < 6 {
		t.Fatalf("only %d configs in extra goldens", len(g.Configs))
	}
	for name, c := range g.Configs {
		t.Run(name, func(t *testing.T) {
			var tok *Tokenizer
			var err error
			if c.Options == nil {
				tok, err = Load(mbertJSON)
			} else {
				o := c.Options
				tok, err = LoadVocab(mbertVocab, Options{Lowercase: o.Lowercase, StripAccents: o.StripAccents, CleanText: o.CleanText,
					HandleChineseChars: o.HandleChineseChars, MatchSpecialTokens: o.MatchSpecialTokens})
			}
			if err != nil {
				t.Fatal(err)
			}
			m := &mismatches{t: t}
			for i, tc := range c.Texts {
				e := tok.Encode(tc.Text)
				what := fmt.Sprintf("texts[%d] %+q", i, tc.Text)
				m.check(what+" ids", e.IDs, tc.IDs)
				m.check(what+" offsets", e.Offsets, tc.Offsets)
				m.check(what+" word_ids", e.WordIDs, wordIDs(tc.WordIDs))
			}
			for i, tc := range c.Words {
				e := tok.EncodeWords(tc.Words)
				what := fmt.Sprintf("words[%d] %+q", i, tc.Words)
				m.check(what+" ids", e.IDs, tc.IDs)
				m.check(what+" word_ids", e.WordIDs, wordIDs(tc.WordIDs))
			}
			m.report(3*len(c.Texts) + 2*len(c.Words))
		})
	}
}
