package wordpiece

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"testing"
	"unicode"
)

// TestUnicodeMatchesHF checks every code point against
// testdata/hf_unicode.json.gz, Hugging Face's own behaviour dumped by
// tools/tokbench/probe_unicode.js: what clean_text, strip_accents and
// lowercase make of it, and whether BertPreTokenizer splits on it.
func TestUnicodeMatchesHF(t *testing.T) {
	if testing.Short() {
		t.Skip("walks all 1.1M code points")
	}
	f, err := os.Open("testdata/hf_unicode.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Removed, Space, Punct, Split [][2]rune
		Strip, Lower                 map[string]string
	}
	if err := json.NewDecoder(zr).Decode(&p); err != nil {
		t.Fatal(err)
	}
	in := func(rs [][2]rune, r rune) bool {
		i := sort.Search(len(rs), func(i int) bool { return rs[i][1] >= r })
		return i < len(rs) && rs[i][0] <= r
	}
	// The vocabulary does not matter here: a small one loads fast.
	vocab := writeFile(t, t.TempDir(), "vocab.txt", tinyVocab)
	mk := func(o Options) *Tokenizer {
		tok, err := LoadVocab(vocab, o)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	clean := mk(Options{CleanText: true, StripAccents: new(false)})
	strip := mk(Options{StripAccents: new(true)})
	lower := mk(Options{Lowercase: true, StripAccents: new(false)})
	raw := mk(Options{StripAccents: new(false)})
	s := &scratch{}
	normalized := func(tok *Tokenizer, text string) string {
		tok.normalize(s, text, 0)
		return string(s.norm)
	}
	bad := 0
	fail := func(format string, args ...any) {
		bad++
		if bad <= 10 {
			t.Errorf(format, args...)
		}
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		c := string(r)
		want := c
		switch {
		case in(p.Removed, r):
			want = ""
		case in(p.Space, r):
			want = " "
		}
		if got := normalized(clean, c); got != want {
			fail("clean_text(U+%04X) = %+q, HF %+q", r, got, want)
		}
		want = c
		if w, ok := p.Strip[strconv.Itoa(int(r))]; ok {
			want = w
		}
		if got := normalized(strip, c); got != want {
			fail("strip_accents(U+%04X) = %+q, HF %+q", r, got, want)
		}
		want = c
		if w, ok := p.Lower[strconv.Itoa(int(r))]; ok {
			want = w
		}
		if got := normalized(lower, c); got != want {
			fail("lowercase(U+%04X) = %+q, HF %+q", r, got, want)
		}
		words := 1
		switch {
		case in(p.Punct, r):
			words = 3
		case in(p.Split, r):
			words = 2
		}
		s.ids, s.offs, s.words = s.ids[:0], s.offs[:0], s.words[:0]
		got := 0
		raw.encodeText(s, "a"+c+"a", &got, false)
		if got != words {
			fail("pre-tokenising a U+%04X a gives %d words, HF %d", r, got, words)
		}
	}
	if bad > 0 {
		t.Errorf("%d code points differ from HF", bad)
	}
}
