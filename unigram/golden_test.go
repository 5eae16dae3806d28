package unigram

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/nerkit/nerkit/internal/tokentest"
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

// checkEncoding records every difference of got from the golden want.
func checkEncoding(m *tokentest.Mismatches, what, text string, got Encoding, want encoded, offsets bool) {
	m.Check(what+" ids", got.IDs, want.InputIDs)
	m.Check(what+" tokens", got.Tokens, want.Tokens)
	m.Check(what+" word_ids", got.WordIDs, tokentest.WordIDs(want.WordIDs))
	if offsets {
		m.Check(what+" byte offsets", got.Offsets, want.ByteOffsets)
		if want.OffsetsCP != nil {
			m.Check(what+" golden code-point offsets as bytes", tokentest.CodePointsToBytes(text, want.OffsetsCP), want.ByteOffsets)
		}
	}
}

func TestGoldenTexts(t *testing.T) {
	g := loadGolden(t)
	tok := xlmr(t)
	m := &tokentest.Mismatches{T: t}
	for i, tc := range g.Texts {
		what := fmt.Sprintf("texts[%d] %s %.30q", i, tc.Name, tc.Text)
		checkEncoding(m, what, tc.Text, tok.Encode(tc.Text), tc.encoded, true)
	}
	if len(g.Texts) < 40 {
		t.Fatalf("golden has only %d texts", len(g.Texts))
	}
	m.Report(5 * len(g.Texts))
}

func TestGoldenPresplit(t *testing.T) {
	g := loadGolden(t)
	words, err := xlmr(t).Words()
	if err != nil {
		t.Fatal(err)
	}
	m := &tokentest.Mismatches{T: t}
	total := 0
	for _, f := range g.Presplit {
		for i, s := range f.Sentences {
			what := fmt.Sprintf("%s sentence %d", f.File, i)
			checkEncoding(m, what, "", words.EncodeWords(s.Words), s.encoded, false)
			var ids []int32
			for _, w := range s.Words {
				ids = words.AppendWordIDs(ids, w)
			}
			m.Check(what+" AppendWordIDs", ids, s.InputIDs[1:len(s.InputIDs)-1])
			total += 4
		}
	}
	if total < 4*300 {
		t.Fatalf("golden has only %d sentences", total/4)
	}
	m.Report(total)
}
