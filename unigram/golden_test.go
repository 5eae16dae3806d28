package unigram

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
)

const (
	xlmrDir    = "../testdata/goldens/encoders/xlmr-unigram"
	xlmrJSON   = xlmrDir + "/tokenizer.json"
	goldenPath = "../testdata/goldens/encoders/tokenizer_goldens.json"
)

// encoded is one expected encoding in tokenizer_goldens.json.
type encoded struct {
	InputIDs    []int32  `json:"input_ids"`
	Tokens      []string `json:"tokens"`
	OffsetsCP   [][2]int `json:"offsets_codepoints"`
	ByteOffsets [][2]int `json:"byte_offsets"`
	WordIDs     []*int   `json:"word_ids"`
}

type golden struct {
	Texts []struct {
		Name string `json:"name"`
		Text string `json:"text"`
		encoded
	} `json:"texts"`
	Presplit []struct {
		File      string `json:"file"`
		Sentences []struct {
			Words []string `json:"words"`
			encoded
		} `json:"sentences"`
	} `json:"presplit"`
}

var (
	goldenOnce sync.Once
	goldenData golden
	goldenErr  error
)

func loadGolden(t testing.TB) *golden {
	t.Helper()
	goldenOnce.Do(func() {
		b, err := os.ReadFile(goldenPath)
		if err != nil {
			goldenErr = err
			return
		}
		var all struct {
			Tokenizers map[string]json.RawMessage `json:"tokenizers"`
		}
		if goldenErr = json.Unmarshal(b, &all); goldenErr != nil {
			return
		}
		goldenErr = json.Unmarshal(all.Tokenizers["xlmr-unigram"], &goldenData)
	})
	if goldenErr != nil {
		t.Fatal(goldenErr)
	}
	return &goldenData
}

var (
	tokOnce sync.Once
	xlmrTok *Tokenizer
	tokErr  error
)

func xlmr(t testing.TB) *Tokenizer {
	t.Helper()
	tokOnce.Do(func() { xlmrTok, tokErr = Load(xlmrJSON) })
	if tokErr != nil {
		t.Fatal(tokErr)
	}
	return xlmrTok
}

func wordIDs(ws []*int) []int {
	out := make([]int, len(ws))
	for i, w := range ws {
		out[i] = -1
		if w != nil {
			out[i] = *w
		}
	}
	return out
}

// mismatches collects the first few differences so a failure shows them
// all at once.
type mismatches struct {
	t     *testing.T
	n     int
	lines []string
}

func (m *mismatches) check(what string, got, want any) {
	if reflect.DeepEqual(got, want) {
		return
	}
	m.n++
	if len(m.lines) < 8 {
		m.lines = append(m.lines, fmt.Sprintf("%s:\n   got  %v\n   want %v", what, got, want))
	}
}

func (m *mismatches) report(total int) {
	m.t.Helper()
	if m.n > 0 {
		m.t.Errorf("%d of %d checks differ from Hugging Face; first ones:\n%s", m.n, total, strings.Join(m.lines, "\n"))
	}
}

// cpToBytes converts code-point offsets (what the npm binding reports) into
// byte offsets of text.
func cpToBytes(text string, offs [][2]int) [][2]int {
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

func (m *mismatches) checkEncoding(what, text string, got Encoding, want encoded, offsets bool) {
	m.check(what+" ids", got.IDs, want.InputIDs)
	m.check(what+" tokens", got.Tokens, want.Tokens)
	m.check(what+" word_ids", got.WordIDs, wordIDs(want.WordIDs))
	if offsets {
		m.check(what+" byte offsets", got.Offsets, want.ByteOffsets)
		if want.OffsetsCP != nil {
			m.check(what+" golden code-point offsets as bytes", cpToBytes(text, want.OffsetsCP), want.ByteOffsets)
		}
	}
}

func TestGoldenTexts(t *testing.T) {
	g := loadGolden(t)
	tok := xlmr(t)
	m := &mismatches{t: t}
	for i, tc := range g.Texts {
		what := fmt.Sprintf("texts[%d] %s %.30q", i, tc.Name, tc.Text)
		m.checkEncoding(what, tc.Text, tok.Encode(tc.Text), tc.encoded, true)
	}
	if len(g.Texts) < 40 {
		t.Fatalf("golden has only %d texts", len(g.Texts))
	}
	m.report(5 * len(g.Texts))
}

func TestGoldenPresplit(t *testing.T) {
	g := loadGolden(t)
	words, err := xlmr(t).Words()
	if err != nil {
		t.Fatal(err)
	}
	m := &mismatches{t: t}
	total := 0
	for _, f := range g.Presplit {
		for i, s := range f.Sentences {
			what := fmt.Sprintf("%s sentence %d", f.File, i)
			m.checkEncoding(what, "", words.EncodeWords(s.Words), s.encoded, false)
			var ids []int32
			for _, w := range s.Words {
				ids = words.AppendWordIDs(ids, w)
			}
			m.check(what+" AppendWordIDs", ids, s.InputIDs[1:len(s.InputIDs)-1])
			total += 4
		}
	}
	if total < 4*300 {
		t.Fatalf("golden has only %d sentences", total/4)
	}
	m.report(total)
}
