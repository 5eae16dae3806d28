package unigram

import (
	"fmt"
	"sync"
	"testing"

	"github.com/nerkit/nerkit/internal/tokentest"
)

const (
	xlmrDir    = "../testdata/goldens/encoders/xlmr-unigram"
	xlmrJSON   = xlmrDir + "/tokenizer.json"
	goldenPath = "../testdata/goldens/encoders/tokenizer_goldens.json"
)

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

func TestGoldenTexts(t *testing.T) {
	g := tokentest.LoadGolden(t, goldenPath, "xlmr-unigram")
	tok := xlmr(t)
	m := &tokentest.Mismatches{T: t}
	for i, tc := range g.Texts {
		what := fmt.Sprintf("texts[%d] %s %.30q", i, tc.Name, tc.Text)
		m.CheckEncoding(what, tc.Text, tok.Encode(tc.Text), tc.Encoded, true)
	}
	if len(g.Texts) < 40 {
		t.Fatalf("golden has only %d texts", len(g.Texts))
	}
	m.Report(5 * len(g.Texts))
}

func TestGoldenPresplit(t *testing.T) {
	g := tokentest.LoadGolden(t, goldenPath, "xlmr-unigram")
	words, err := xlmr(t).Words()
	if err != nil {
		t.Fatal(err)
	}
	m := &tokentest.Mismatches{T: t}
	total := 0
	for _, f := range g.Presplit {
		for i, s := range f.Sentences {
			what := fmt.Sprintf("%s sentence %d", f.File, i)
			m.CheckEncoding(what, "", words.EncodeWords(s.Words), s.Encoded, false)
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
