package wordpiece

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkInvariants holds for any input: [CLS] first, [SEP] last, offsets
// inside the text, non-decreasing, on character boundaries; word ids
// non-decreasing; every token id in range.
func checkInvariants(t *testing.T, tok *Tokenizer, text string) {
	t.Helper()
	e := tok.Encode(text)
	n := len(e.IDs)
	if n < 2 || e.IDs[0] != tok.ClsID() || e.IDs[n-1] != tok.SepID() || len(e.Tokens) != n || len(e.Offsets) != n || len(e.WordIDs) != n {
		t.Fatalf("%+q: malformed encoding %+v", text, e)
	}
	prevStart, prevWord := 0, -1
	valid := utf8.ValidString(text)
	for i := 1; i < n-1; i++ {
		o := e.Offsets[i]
		if o[0] < prevStart || o[0] >= o[1] || o[1] > len(text) {
			t.Fatalf("%+q: token %d %q has offsets %v (previous start %d)", text, i, e.Tokens[i], o, prevStart)
		}
		// (a stray continuation byte in invalid UTF-8 is a character of its own)
		if valid && ((o[0] < len(text) && !utf8.RuneStart(text[o[0]])) || (o[1] < len(text) && !utf8.RuneStart(text[o[1]]))) {
			t.Fatalf("%+q: offsets %v split a character", text, o)
		}
		if e.WordIDs[i] < prevWord || e.WordIDs[i] > prevWord+1 {
			t.Fatalf("%+q: word ids %v jump", text, e.WordIDs)
		}
		if e.IDs[i] < 0 || int(e.IDs[i]) >= tok.VocabSize() {
			t.Fatalf("%+q: id %d out of range", text, e.IDs[i])
		}
		prevStart, prevWord = o[0], e.WordIDs[i]
	}
}

// TestRandomInputs throws random strings, including invalid UTF-8, at every
// normaliser setting.
func TestRandomInputs(t *testing.T) {
	cased, uncased := mbert(t)
	lowerKeep, err := LoadVocab(mbertVocab, Options{Lowercase: true, StripAccents: new(false), CleanText: true, HandleChineseChars: true, MatchSpecialTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := LoadVocab(mbertVocab, Options{})
	if err != nil {
		t.Fatal(err)
	}
	added, err := Load("testdata/added_tokens/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	pieces := []string{"<ent>", "New York", "ÉCOLE", "ab", "a", "Z", " ", "\t", "\x00", "\x85", "\xff", "\xe2\x82", "é", "e\u0301", "\u0323", "İ", "ß", "北", "\uf900",
		"😀", "[CLS]", "[SE", "P]", ".", "«", "\u200b", "\ufffd", "\U0001d165", "\u0e38", "Й", "я", strings.Repeat("x", 101)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		var b strings.Builder
		for range r.IntN(12) {
			if r.IntN(8) == 0 {
				b.WriteByte(byte(r.IntN(256)))
			} else {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
		}
		text := b.String()
		for _, tok := range []*Tokenizer{cased, uncased, lowerKeep, raw, added} {
			checkInvariants(t, tok, text)
			tok.EncodeWords([]string{text, "", text})
		}
	}
}

func FuzzEncode(f *testing.F) {
	for _, s := range []string{"", "Hello, world!", "e\u0301\u0323", "\xff[CLS]北京", "İstanbul'da"} {
		f.Add(s)
	}
	tok, err := Load(mbertJSON)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkInvariants(t, tok, s)
	})
}
