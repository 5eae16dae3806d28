// Package tokentest holds what the tokenizers' golden tests share: a
// collector of mismatches against Hugging Face's output, the conversions
// between the goldens' and nerkit's offsets and word ids, and the run over
// the extra goldens made by tools/tokbench/encoder_goldens.js. Only tests
// import it.
package tokentest

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/nerkit/nerkit/internal/tokens"
)

// WordIDs turns the goldens' word ids (null on special tokens) into
// nerkit's (-1 there).
func WordIDs(ws []*int) []int {
	out := make([]int, len(ws))
	for i, w := range ws {
		out[i] = -1
		if w != nil {
			out[i] = *w
		}
	}
	return out
}

// CodePointsToBytes converts code-point offsets (what the npm binding
// reports) into byte offsets of text.
func CodePointsToBytes(text string, offs [][2]int) [][2]int {
	byteAt := []int{}
	for i := range text {
		byteAt = append(byteAt, i)
	}
	byteAt = append(byteAt, len(text))
	out := make([][2]int, len(offs))
	for i, o := range offs {
		out[i] = [2]int{byteAt[o[0]], byteAt[o[1]]}
	}
	return out
}

// Mismatches collects the first few differences so a failure shows them
// all at once.
type Mismatches struct {
	T     *testing.T
	n     int
	lines []string
}

// Check records a difference between got and want.
func (m *Mismatches) Check(what string, got, want any) {
	if reflect.DeepEqual(got, want) {
		return
	}
	m.n++
	if len(m.lines) < 8 {
		m.lines = append(m.lines, fmt.Sprintf("%s:\n   got  %v\n   want %v", what, got, want))
	}
}

// Report fails the test when any of total checks differed.
func (m *Mismatches) Report(total int) {
	m.T.Helper()
	if m.n > 0 {
		m.T.Errorf("%d of %d checks differ from Hugging Face; first ones:\n%s", m.n, total, strings.Join(m.lines, "\n"))
	}
}

// extraGoldens is a package's testdata/extra_goldens.json.gz, made by
// Hugging Face tokenizers with tools/tokbench/encoder_goldens.js: the golden
// texts, crafted edge cases and seeded random strings and pre-split
// sentences, under variants of the package's pipeline (each config's patch
// replaces top-level parts of tokenizer.json).
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

func readExtraGoldens(t *testing.T, path string) *extraGoldens {
	f, err := os.Open(path)
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

// PatchedTokenizerJSON writes base with its top-level parts replaced by
// patch into dir and returns the file's path.
func PatchedTokenizerJSON(t *testing.T, base, dir, name string, patch map[string]json.RawMessage) string {
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

// Encoder is what the extra goldens check of a tokenizer.
type Encoder interface {
	Encode(text string) tokens.Encoding
	EncodeWords(words []string) tokens.Encoding
}

// RunExtraGoldens checks every config of the extra goldens at path: base's
// tokenizer.json patched as the config says, loaded with load, must give
// Hugging Face's ids, tokens, offsets and word ids on every text and
// pre-split sentence.
func RunExtraGoldens(t *testing.T, path, base string, load func(path string) (Encoder, error)) {
	g := readExtraGoldens(t, path)
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
			tok, err := load(PatchedTokenizerJSON(t, base, dir, name, cfg.Patch))
			if err != nil {
				t.Fatal(err)
			}
			m := &Mismatches{T: t}
			for i, tc := range cfg.Texts {
				e := tok.Encode(tc.Text)
				what := fmt.Sprintf("texts[%d] %+q", i, tc.Text)
				m.Check(what+" ids", e.IDs, tc.IDs)
				m.Check(what+" tokens", e.Tokens, tc.Tokens)
				m.Check(what+" offsets", e.Offsets, tc.Offsets)
				m.Check(what+" word_ids", e.WordIDs, WordIDs(tc.WordIDs))
			}
			for i, tc := range cfg.Words {
				e := tok.EncodeWords(tc.Words)
				what := fmt.Sprintf("words[%d] %+q", i, tc.Words)
				m.Check(what+" ids", e.IDs, tc.IDs)
				m.Check(what+" tokens", e.Tokens, tc.Tokens)
				m.Check(what+" offsets", e.Offsets, tc.Offsets)
				m.Check(what+" word_ids", e.WordIDs, WordIDs(tc.WordIDs))
			}
			if len(cfg.Texts) < 400 || len(cfg.Words) < 200 {
				t.Fatalf("config %s has only %d texts and %d sentences", name, len(cfg.Texts), len(cfg.Words))
			}
			m.Report(4 * (len(cfg.Texts) + len(cfg.Words)))
		})
	}
}

// Encoded is one expected encoding in tokenizer_goldens.json.
type Encoded struct {
	InputIDs    []int32  `json:"input_ids"`
	Tokens      []string `json:"tokens"`
	OffsetsCP   [][2]int `json:"offsets_codepoints"`
	ByteOffsets [][2]int `json:"byte_offsets"`
	WordIDs     []*int   `json:"word_ids"`
}

// Golden is one tokenizer's part of tokenizer_goldens.json: raw texts and
// pre-split sentences with Hugging Face's encodings.
type Golden struct {
	Texts []struct {
		Name string `json:"name"`
		Text string `json:"text"`
		Encoded
		RawAddPrefixSpace Encoded `json:"raw_add_prefix_space"` // BPE only
	} `json:"texts"`
	Presplit []struct {
		File      string `json:"file"`
		Sentences []struct {
			Words []string `json:"words"`
			Encoded
		} `json:"sentences"`
	} `json:"presplit"`
}

var (
	goldenMu    sync.Mutex
	goldenCache = map[string]*Golden{}
)

// LoadGolden reads the goldens of the tokenizer called name (e.g.
// "roberta-bpe") from the file at path, once per process.
func LoadGolden(t testing.TB, path, name string) *Golden {
	t.Helper()
	goldenMu.Lock()
	defer goldenMu.Unlock()
	key := path + "\x00" + name
	if g, ok := goldenCache[key]; ok {
		return g
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var all struct {
		Tokenizers map[string]json.RawMessage `json:"tokenizers"`
	}
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	g := new(Golden)
	if err := json.Unmarshal(all.Tokenizers[name], g); err != nil {
		t.Fatal(err)
	}
	goldenCache[key] = g
	return g
}

// CheckEncoding records every difference of got from the golden want; with
// offsets, the byte offsets too, and the golden's own code-point offsets
// against its byte offsets.
func (m *Mismatches) CheckEncoding(what, text string, got tokens.Encoding, want Encoded, offsets bool) {
	m.Check(what+" ids", got.IDs, want.InputIDs)
	m.Check(what+" tokens", got.Tokens, want.Tokens)
	m.Check(what+" word_ids", got.WordIDs, WordIDs(want.WordIDs))
	if offsets {
		m.Check(what+" byte offsets", got.Offsets, want.ByteOffsets)
		if want.OffsetsCP != nil {
			m.Check(what+" golden code-point offsets as bytes", CodePointsToBytes(text, want.OffsetsCP), want.ByteOffsets)
		}
	}
}
