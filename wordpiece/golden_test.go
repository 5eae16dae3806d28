package wordpiece

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
	mbertDir   = "../testdata/data/mbert-vocab"
	mbertJSON  = mbertDir + "/tokenizer.json"
	mbertVocab = mbertDir + "/vocab.txt"
	goldenPath = "../testdata/goldens/tokenizer_mbert.json"
)

type golden struct {
	Library string
	Texts   []struct {
		Text            string   `json:"text"`
		InputIDs        []int32  `json:"input_ids"`
		Tokens          []string `json:"tokens"`
		OffsetsUTF16    [][2]int `json:"offsets_utf16"`
		ByteOffsets     [][2]int `json:"byte_offsets"`
		WordIDs         []*int   `json:"word_ids"`
		UncasedInputIDs []int32  `json:"uncased_input_ids"`
		UncasedTokens   []string `json:"uncased_tokens"`
	} `json:"texts"`
	Conll []struct {
		File      string `json:"file"`
		Sentences []struct {
			Words    []string `json:"words"`
			InputIDs []int32  `json:"input_ids"`
			WordIDs  []*int   `json:"word_ids"`
		} `json:"sentences"`
	} `json:"conll"`
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
		goldenErr = json.Unmarshal(b, &goldenData)
	})
	if goldenErr != nil {
		t.Fatal(goldenErr)
	}
	return &goldenData
}

var (
	tokOnce              sync.Once
	casedTok, uncasedTok *Tokenizer
	tokErr               error
)

// mbert returns the cased tokenizer (tokenizer.json) and the uncased
// WordPiece over the same vocab.txt that tools/tokenizer_goldens.js builds:
// BertNormalizer(lowercase, strip accents, clean text, Chinese chars), no
// added tokens.
func mbert(t testing.TB) (cased, uncased *Tokenizer) {
	t.Helper()
	tokOnce.Do(func() {
		if casedTok, tokErr = Load(mbertJSON); tokErr != nil {
			return
		}
		uncasedTok, tokErr = LoadVocab(mbertVocab, Options{Lowercase: true, CleanText: true, HandleChineseChars: true})
	})
	if tokErr != nil {
		t.Fatal(tokErr)
	}
	return casedTok, uncasedTok
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

// mismatches collects the first few differences so a failure shows them all
// at once.
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

// charToByteOffsets converts the offsets the npm binding reports into byte
// offsets. The binding counts Unicode code points (Rust's encode_char_offsets),
// not UTF-16 units as the golden's note says, so its byte_offsets are wrong
// after an astral character (texts with emoji); for every other text the two
// agree, which TestGoldenTexts checks.
func charToByteOffsets(text string, offs [][2]int) [][2]int {
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

func hasAstral(s string) bool {
	for _, r := range s {
		if r > 0xFFFF {
			return true
		}
	}
	return false
}

func TestGoldenTexts(t *testing.T) {
	g := loadGolden(t)
	cased, uncased := mbert(t)
	m := &mismatches{t: t}
	for i, tc := range g.Texts {
		e := cased.Encode(tc.Text)
		what := fmt.Sprintf("texts[%d] %.40q", i, tc.Text)
		m.check(what+" ids", e.IDs, tc.InputIDs)
		m.check(what+" tokens", e.Tokens, tc.Tokens)
		want := charToByteOffsets(tc.Text, tc.OffsetsUTF16)
		if !hasAstral(tc.Text) && !reflect.DeepEqual(want, tc.ByteOffsets) {
			t.Fatalf("%s: golden byte_offsets %v disagree with its offsets_utf16 %v", what, tc.ByteOffsets, tc.OffsetsUTF16)
		}
		m.check(what+" byte offsets", e.Offsets, want)
		m.check(what+" word_ids", e.WordIDs, wordIDs(tc.WordIDs))
		u := uncased.Encode(tc.Text)
		m.check(what+" uncased ids", u.IDs, tc.UncasedInputIDs)
		m.check(what+" uncased tokens", u.Tokens, tc.UncasedTokens)
	}
	if len(g.Texts) < 20 {
		t.Fatalf("golden has only %d texts", len(g.Texts))
	}
	m.report(6 * len(g.Texts))
}

func TestGoldenConll(t *testing.T) {
	g := loadGolden(t)
	cased, _ := mbert(t)
	m := &mismatches{t: t}
	total := 0
	for _, f := range g.Conll {
		for i, s := range f.Sentences {
			e := cased.EncodeWords(s.Words)
			what := fmt.Sprintf("%s sentence %d", f.File, i)
			m.check(what+" ids", e.IDs, s.InputIDs)
			m.check(what+" word_ids", e.WordIDs, wordIDs(s.WordIDs))
			total += 2
		}
	}
	if total < 3000 {
		t.Fatalf("golden has only %d sentences", total/2)
	}
	m.report(total)
}
