package bpe

import (
	"fmt"
	"sync"
	"testing"

	"github.com/nerkit/nerkit/internal/tokentest"
)

const (
	robertaDir  = "../testdata/goldens/encoders/roberta-bpe"
	robertaJSON = robertaDir + "/tokenizer.json"
	goldenPath  = "../testdata/goldens/encoders/tokenizer_goldens.json"
)

var (
	tokOnce            sync.Once
	plainTok, spaceTok *Tokenizer
	tokErr             error
)

// roberta returns the shipped tokenizer.json and the same with
// add_prefix_space set (what the goldens' pre-split rows and
// raw_add_prefix_space use).
func roberta(t testing.TB) (plain, prefixed *Tokenizer) {
	t.Helper()
	tokOnce.Do(func() {
		if plainTok, tokErr = Load(robertaJSON); tokErr != nil {
			return
		}
		spaceTok, tokErr = LoadOptions(robertaJSON, Options{AddPrefixSpace: new(true)})
	})
	if tokErr != nil {
		t.Fatal(tokErr)
	}
	return plainTok, spaceTok
}

func TestGoldenTexts(t *testing.T) {
	g := tokentest.LoadGolden(t, goldenPath, "roberta-bpe")
	plain, prefixed := roberta(t)
	m := &tokentest.Mismatches{T: t}
	for i, tc := range g.Texts {
		what := fmt.Sprintf("texts[%d] %s %.30q", i, tc.Name, tc.Text)
		m.CheckEncoding(what, tc.Text, plain.Encode(tc.Text), tc.Encoded, true)
		m.CheckEncoding(what+" add_prefix_space", tc.Text, prefixed.Encode(tc.Text), tc.RawAddPrefixSpace, true)
	}
	if len(g.Texts) < 40 {
		t.Fatalf("golden has only %d texts", len(g.Texts))
	}
	m.Report(10 * len(g.Texts))
}

func TestGoldenPresplit(t *testing.T) {
	g := tokentest.LoadGolden(t, goldenPath, "roberta-bpe")
	_, prefixed := roberta(t)
	words, err := prefixed.Words()
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
