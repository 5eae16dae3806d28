package bpe

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// checkInvariants holds for any input: <s> first, </s> last, offsets inside
// the text and on character boundaries (trimming may empty them, and the
// bytes of one character share its offsets, so they need not increase);
// word ids start at 0 and grow by at most one; ids in range; the words of
// PreTokenize are the ones the word ids count; a word tokentest.Encoded alone gives
// the ids EncodeWords gives it.
func checkInvariants(t *testing.T, tok *Tokenizer, text string) {
	t.Helper()
	e := tok.Encode(text)
	n := len(e.IDs)
	if n < 2 || e.IDs[0] != tok.ClsID() || e.IDs[n-1] != tok.SepID() || len(e.Tokens) != n || len(e.Offsets) != n || len(e.WordIDs) != n {
		t.Fatalf("%+q: malformed encoding %+v", text, e)
	}
	valid := utf8.ValidString(text)
	prevWord := -1
	for i := 1; i < n-1; i++ {
		o := e.Offsets[i]
		if o[0] < 0 || o[0] > o[1] || o[1] > len(text) {
			t.Fatalf("%+q: token %d %q has offsets %v", text, i, e.Tokens[i], o)
		}
		if valid && ((o[0] < len(text) && !utf8.RuneStart(text[o[0]])) || (o[1] < len(text) && !utf8.RuneStart(text[o[1]]))) {
			t.Fatalf("%+q: offsets %v split a character", text, o)
		}
		if w := e.WordIDs[i]; w < prevWord || w > prevWord+1 || (prevWord < 0 && w != 0) {
			t.Fatalf("%+q: word ids %v jump", text, e.WordIDs)
		}
		if e.IDs[i] < 0 || int(e.IDs[i]) >= tok.VocabSize() || e.Tokens[i] == "" {
			t.Fatalf("%+q: token %d (%d %q) out of range", text, i, e.IDs[i], e.Tokens[i])
		}
		prevWord = e.WordIDs[i]
	}
	if spans := tok.PreTokenize(text); len(spans) != prevWord+1 {
		t.Fatalf("%+q: %d words from PreTokenize, %d in Encode", text, len(spans), prevWord+1)
	}
	w := tok.EncodeWords([]string{text})
	if got := tok.AppendWordIDs(nil, text); !reflect.DeepEqual(got, w.IDs[1:len(w.IDs)-1]) && !(len(got) == 0 && len(w.IDs) == 2) {
		t.Fatalf("%+q: AppendWordIDs %v, EncodeWords %v", text, got, w.IDs)
	}
}

var fuzzPieces = []string{"<mask>", " <mask>", "<s>", "</s", "a", "Z", "'s", "'", "don", " ", "  ", "\t", "\n", "\r\n", "\x00", "\x85", "\xa0",
	"\xff", "\xe2\x82", "é", "e\u0301", "\u0323", "İ", "北", "😀", "👍\U0001f3fd", "Ġ", "Ċ", ".", "«", "\u200b", "\u3000", "\ufffd", "Й", "я", "1", "½",
	strings.Repeat("x", 300)}

// randomTexts are seeded random strings of the pieces above and random
// bytes (so invalid UTF-8 too).
func randomTexts(n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	texts := make([]string, n)
	for i := range texts {
		var b strings.Builder
		for range r.IntN(12) {
			if r.IntN(8) == 0 {
				b.WriteByte(byte(r.IntN(256)))
			} else {
				b.WriteString(fuzzPieces[r.IntN(len(fuzzPieces))])
			}
		}
		texts[i] = b.String()
	}
	return texts
}

func TestRandomInputs(t *testing.T) {
	plain, prefixed := roberta(t)
	for _, text := range randomTexts(2000) {
		for _, tok := range []*Tokenizer{plain, prefixed} {
			checkInvariants(t, tok, text)
			tok.EncodeWords([]string{text, "", text})
		}
	}
}

// TestConcurrentEncoding encodes from many goroutines at once (sharing the
// merge cache) and compares with one goroutine's results.
func TestConcurrentEncoding(t *testing.T) {
	_, tok := roberta(t)
	texts := randomTexts(300)
	want := make([]Encoding, len(texts))
	for i, text := range texts {
		want[i] = tok.Encode(text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range texts {
				i := (k + g*37) % len(texts)
				if got := tok.Encode(texts[i]); !reflect.DeepEqual(got, want[i]) {
					errs <- texts[i]
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for text := range errs {
		t.Errorf("%+q encodes differently when tokentest.Encoded concurrently", text)
	}
}

func FuzzEncode(f *testing.F) {
	for _, s := range []string{"", "Hello, world!", "don't 'S", " <mask>x", "\xff<s>北京", "  \t\n a"} {
		f.Add(s)
	}
	tok, err := LoadOptions(robertaJSON, Options{AddPrefixSpace: new(true)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkInvariants(t, tok, s)
	})
}
